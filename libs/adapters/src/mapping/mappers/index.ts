import type { SystemMapping } from '../mapping';
import { bridgeCdrMapper } from './bridge-cdr.mapper';
import { passthroughMapper } from './passthrough.mapper';

/**
 * Code mappers by name, for systems a declarative mapping cannot express; `mapper:` in bus.yaml
 * names one of these. Each call returns a fresh mapping, so a mapper may keep compiled state.
 */
export const MAPPERS: Record<string, () => SystemMapping> = {
  passthrough: passthroughMapper,
  'bridge-cdr': bridgeCdrMapper,
};

export const findMapper = (name: string): (() => SystemMapping) | undefined =>
  Object.prototype.hasOwnProperty.call(MAPPERS, name) ? MAPPERS[name] : undefined;
