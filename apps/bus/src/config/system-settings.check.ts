import { validateCodecOptions, type AdapterDefinition, type Codec, type SystemMapping } from '@bus/adapters';
import type { BusConfig } from './bus-config.schema';
import type { ConfigLoaderDeps } from './bus-config.deps';
import type { ConfigProblem } from './config.errors';
import { formatPath, joinPath } from './config-path';
import { unknownName } from './closest-name';

/** A system after layer 3: known adapter kind and codec, settings checked by the adapter's classes. */
export interface CheckedSystem {
  name: string;
  adapter: AdapterDefinition<any, any>;
  codec: Codec;
  /** Set when the system names a code mapper; JSONata folders load in layer 4. */
  mapper?: () => SystemMapping;
  inbound?: object;
  outbound?: object;
}

/**
 * Layer 3: each system's adapter id, codec id and mapper name exist, its `inbound:` /
 * `outbound:` settings pass its adapter kind's config classes and its `codecOptions:` its codec's.
 */
export function checkSystemSettings(config: BusConfig, deps: ConfigLoaderDeps): { systems: Map<string, CheckedSystem>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const systems = new Map<string, CheckedSystem>();
  for (const [name, system] of Object.entries(config.systems)) {
    const at = (key: string) => formatPath(['systems', name, key]);
    const adapter = deps.adapters.find((a) => a.id === system.adapter);
    if (!adapter) problems.push({ path: at('adapter'), message: unknownName('adapter', system.adapter, deps.adapters.map((a) => a.id)) });
    const codec = deps.codecs.find((c) => c.id === system.codec);
    if (!codec) problems.push({ path: at('codec'), message: unknownName('codec', system.codec, deps.codecs.map((c) => c.id)) });
    let mapper: (() => SystemMapping) | undefined;
    if (system.mapper !== undefined) {
      mapper = Object.prototype.hasOwnProperty.call(deps.mappers, system.mapper) ? deps.mappers[system.mapper] : undefined;
      if (!mapper) problems.push({ path: at('mapper'), message: unknownName('mapper', system.mapper, Object.keys(deps.mappers)) });
    }
    if (!adapter || !codec) continue;
    for (const e of validateCodecOptions(codec.id, system.codecOptions)) problems.push({ path: joinPath(at('codecOptions'), e.path), message: e.message });
    const checked: CheckedSystem = { name, adapter, codec, mapper };
    for (const direction of ['inbound', 'outbound'] as const) {
      if (system[direction] === undefined) continue;
      const { value, errors } = deps.validateAdapterConfig(adapter, direction, system[direction]);
      for (const e of errors) problems.push({ path: joinPath(at(direction), e.path), message: e.message });
      checked[direction] = value;
    }
    if (checked.outbound && adapter.codecProblems) {
      for (const e of adapter.codecProblems(checked.outbound, codec.id)) problems.push({ path: joinPath(at('outbound'), e.path), message: e.message });
    }
    systems.set(name, checked);
  }
  return { systems, problems };
}
