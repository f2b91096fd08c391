import { SYSTEM_NAME } from '../config/bus-config.schema';
import { validateAs } from '../config/class-validation';
import type { ConfigProblem } from '../config/config.errors';
import { formatPath } from '../config/config-path';
import { PROCESSOR_CONFIG_CLASSES, PROCESSOR_KINDS, type ProcessorConfig, type ProcessorKind } from './processor.config';

/**
 * Layer 2 for `processors:`: each entry checked against its kind's class (unknown keys are errors),
 * names usable as queue names and not taken by a system (both share `bus.<name>` and route `from`/`to`).
 */
export function validateProcessors(raw: unknown, systemNames: readonly string[]): { value: Record<string, ProcessorConfig>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const value: Record<string, ProcessorConfig> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { value, problems };
  for (const [name, entry] of Object.entries(raw)) {
    const path = formatPath(['processors', name]);
    if (!SYSTEM_NAME.test(name)) {
      problems.push({ path, message: 'processor names must be lowercase letters, digits and dashes, starting with a letter (they name queues)' });
    } else if (systemNames.includes(name) || name === 'unrouted') {
      problems.push({ path, message: `"${name}" is already the name of a ${name === 'unrouted' ? 'bus queue' : 'system'}; processors and systems share queue and route names, choose another` });
    }
    const kind = (entry as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !(PROCESSOR_KINDS as readonly string[]).includes(kind)) {
      problems.push({ path: `${path}.kind`, message: `must be one of ${PROCESSOR_KINDS.join(', ')}${typeof kind === 'string' ? ` (got "${kind}")` : ''}` });
      continue;
    }
    const checked = validateAs(PROCESSOR_CONFIG_CLASSES[kind as ProcessorKind], entry, path);
    problems.push(...checked.problems);
    if (checked.value) value[name] = checked.value;
  }
  return { value, problems };
}
