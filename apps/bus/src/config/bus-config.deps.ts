import { readFile } from 'node:fs/promises';
import { ADAPTERS, CODECS, loadJsonataMapping, MAPPERS, type AdapterDefinition, type Codec, type SystemMapping } from '@bus/adapters';
import { validateAdapterConfig } from '@bus/adapters/adapter-config.validator';

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
  now(): Date;
}

export const defaultLoaderDeps: ConfigLoaderDeps = {
  adapters: ADAPTERS,
  codecs: CODECS,
  mappers: MAPPERS,
  loadMapping: (dir, options) => loadJsonataMapping(dir, options),
  validateAdapterConfig,
  readFile: (file) => readFile(file, 'utf8'),
  now: () => new Date(),
};
