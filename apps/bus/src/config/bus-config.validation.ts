import { BusConfig, SystemConfig, SYSTEM_NAME } from './bus-config.schema';
import { validateAs } from './class-validation';
import type { ConfigProblem } from './config.errors';
import { formatPath } from './config-path';
import { validateProcessors } from '../processors/processors.validation';

/** `bus.unrouted` holds messages no route matched; a system of that name would share its queue. */
const RESERVED_SYSTEM_NAMES = ['unrouted'];

/**
 * Layer 2 of the config check: the shape of bus.yaml. Runs the class-validator classes over the
 * whole tree (the `systems` map entry by entry) and reports every problem with its path.
 */
export function validateBusConfig(plain: unknown): { value: BusConfig; problems: ConfigProblem[] } {
  const { value, problems } = validateAs(BusConfig, plain, '');
  if (!value) return { value, problems };
  if (isRecord(value.systems)) {
    const systems: Record<string, SystemConfig> = {};
    for (const [name, system] of Object.entries(value.systems)) {
      const path = formatPath(['systems', name]);
      if (!SYSTEM_NAME.test(name)) {
        problems.push({ path, message: 'system names must be lowercase letters, digits and dashes, starting with a letter (they name queues and URLs)' });
      } else if (RESERVED_SYSTEM_NAMES.includes(name)) {
        problems.push({ path, message: `"${name}" is reserved: the bus's own queue bus.${name} has that name; choose another` });
      }
      const checked = validateAs(SystemConfig, system, path);
      problems.push(...checked.problems);
      if (checked.value) {
        problems.push(...mappingChoice(checked.value, path));
        systems[name] = checked.value;
      }
    }
    value.systems = systems;
  }
  if (isRecord(value.processors)) {
    const processors = validateProcessors(value.processors, isRecord(value.systems) ? Object.keys(value.systems) : []);
    problems.push(...processors.problems);
    value.processors = processors.value;
  }
  if (isRecord(value.jobs)) {
    for (const [name, job] of Object.entries(value.jobs)) {
      if (!isRecord(job)) problems.push({ path: formatPath(['jobs', name]), message: 'must be a mapping (key: value pairs)' });
    }
  }
  problems.push(...duplicates<{ name?: unknown }>(value.routes, (r) => r.name, 'routes', 'name', 'route names must be unique'));
  problems.push(...duplicates<{ type?: unknown }>(value.queries, (q) => q.type, 'queries', 'type', 'each query type is answered by one system'));
  return { value, problems };
}

function mappingChoice(system: SystemConfig, path: string): ConfigProblem[] {
  if (system.mapping && system.mapper) return [{ path, message: 'has both mapping and mapper; keep one' }];
  if (!system.mapping && !system.mapper) {
    return [{ path, message: 'needs a mapping (a folder of JSONata files, e.g. mappings/<system>) or a mapper (e.g. passthrough)' }];
  }
  return [];
}

function duplicates<T>(list: unknown, key: (item: T) => unknown, section: string, field: string, why: string): ConfigProblem[] {
  if (!Array.isArray(list)) return [];
  const seen = new Map<unknown, number>();
  const out: ConfigProblem[] = [];
  list.forEach((item: T, i) => {
    const k = item && typeof item === 'object' ? key(item) : undefined;
    if (typeof k !== 'string') return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else out.push({ path: formatPath([section, i, field]), message: `"${k}" is already used by ${section}[${first}]; ${why}` });
  });
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
