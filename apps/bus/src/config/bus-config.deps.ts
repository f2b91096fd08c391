import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ADAPTERS, CODECS, loadJsonataMapping, MAPPERS, type AdapterDefinition, type Codec, type SystemMapping } from '@bus/adapters';
import { validateAdapterConfig } from '@bus/adapters/adapter-config.validator';
import { readConfigFiles, type ConfigFiles } from './config-files';

/** What the loader needs from the adapter SDK and the outside world; tests pass their own. */
export interface ConfigLoaderDeps {
  adapters: readonly AdapterDefinition<any, any>[];
  codecs: readonly Codec[];
  mappers: Readonly<Record<string, () => SystemMapping>>;
  loadMapping(dir: string, options: { system: string }): Promise<SystemMapping>;
  validateAdapterConfig(
    definition: AdapterDefinition<any, any>,
    direction: 'inbound' | 'outbound',
    plain: unknown,
  ): { value: object | undefined; errors: { path: string; message: string }[] };
  readFile(file: string): Promise<string>;
  /** bus.yaml (its text as already read) and every mapping and template it references: the version's content. */
  readConfigFiles(file: string, text: string): Promise<ConfigFiles>;
  /** A `${file:/run/secrets/name}` reference: the file's content without its final newline. */
  readSecretFile(file: string): string;
  now(): Date;
}

export const defaultLoaderDeps: ConfigLoaderDeps = {
  adapters: ADAPTERS,
  codecs: CODECS,
  mappers: MAPPERS,
  loadMapping: (dir, options) => loadJsonataMapping(dir, options),
  validateAdapterConfig,
  readFile: (file) => readFile(file, 'utf8'),
  readConfigFiles,
  // Read at every load, so a secret added or rotated in its file applies with the next reload.
  readSecretFile: (file) => readFileSync(file, 'utf8').replace(/\r?\n$/, ''),
  now: () => new Date(),
};
