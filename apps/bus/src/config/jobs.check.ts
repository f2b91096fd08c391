import { MailMergeJobConfig } from '../jobs/job.config';
import type { SystemRuntime } from './active-config';
import { validateAs } from './class-validation';
import { closestName } from './closest-name';
import type { ConfigProblem } from './config.errors';

/** Which adapter kind each of a job's destinations must be, and what it must be able to do. */
const DESTINATIONS = [
  ['printer', 'printer'],
  ['email', 'smtp'],
] as const;

/**
 * `jobs:` entries: each checked against MailMergeJobConfig, then its systems against the
 * configured ones (the printer system must be a printer adapter with outbound settings, …).
 */
export function checkJobs(
  jobs: Record<string, object>,
  systems: ReadonlyMap<string, SystemRuntime>,
): { jobs: Map<string, MailMergeJobConfig>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const checked = new Map<string, MailMergeJobConfig>();
  const known = [...systems.keys()];
  for (const [name, raw] of Object.entries(jobs ?? {})) {
    const { value, problems: own } = validateAs(MailMergeJobConfig, raw, `jobs.${name}`);
    problems.push(...own);
    if (own.length) continue;
    for (const [key, adapter] of DESTINATIONS) {
      const system = systems.get(value[key]);
      if (!system) problems.push({ path: `jobs.${name}.${key}`, message: unknownSystem(value[key], known) });
      else if (system.adapter.id !== adapter || !system.outbound) {
        problems.push({ path: `jobs.${name}.${key}`, message: `system "${value[key]}" must be a ${adapter} system with outbound settings (it is ${system.adapter.id})` });
      }
    }
    const source = value.source.system;
    if (source !== undefined) {
      const system = systems.get(source);
      if (!system) problems.push({ path: `jobs.${name}.source.system`, message: unknownSystem(source, known) });
      else if (!(system.outbound as { url?: string } | undefined)?.url) {
        problems.push({ path: `jobs.${name}.source.system`, message: `system "${source}" needs outbound.url to be read from` });
      }
    }
    checked.set(name, value);
  }
  return { jobs: checked, problems };
}

function unknownSystem(name: string, known: string[]): string {
  const guess = closestName(name, known);
  return `unknown system "${name}" (known: ${known.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`;
}
