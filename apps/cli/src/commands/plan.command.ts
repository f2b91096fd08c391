import { diffConfigs, type ConfigDiff } from '../../../bus/src/config/config-diff';
import { loadConfigOffline } from '../../../bus/src/config/offline-config';
import type { ChangeSet } from '../../../bus/src/config/reload-plan';
import type { CliOptions, CommandResult } from '../cli.types';
import { Exit } from '../cli.types';
import { resolveSource } from '../config-source';

/**
 * `bpi-bus plan [dir] [--against URL|dir]`: what applying `dir` would change against the running
 * bus (default; `--url`/BUS_URL) or another config: systems, routes, files, sections, and per
 * message type the recipients before and after. `againstVersion` is what `apply` must expect.
 */
export async function plan(dir = 'config', options: CliOptions): Promise<CommandResult> {
  const proposed = await loadConfigOffline(dir);
  const against = await resolveSource(options.against, options);
  const diff = diffConfigs(proposed, against.config);
  return {
    exitCode: Exit.OK,
    json: { ...diff, against: against.label, againstVersion: against.busVersion ?? against.config.version },
    text: renderPlan(diff, dir, against.label),
  };
}

export function renderPlan(diff: ConfigDiff, dir: string, against: string): string[] {
  const unchanged = diff.version === diff.previousVersion;
  const lines = [`${dir} (version ${diff.version}) against ${against}${unchanged ? ': no change' : ''}`];
  const set = (label: string, c: ChangeSet) => {
    for (const name of c.added) lines.push(`  + ${label} ${name}`);
    for (const name of c.removed) lines.push(`  - ${label} ${name}`);
    for (const name of c.changed) lines.push(`  ~ ${label} ${name}`);
  };
  set('system', diff.systems);
  set('route', diff.routes);
  set('file', diff.files);
  for (const s of diff.sections) lines.push(`  ~ section ${s}`);
  for (const r of diff.retired) lines.push(`  ! ${r} is no longer a destination: what is queued for it becomes dead letters`);
  for (const setting of diff.atNextStart) lines.push(`  ! ${setting} changed: it takes effect when each instance starts next, not at this reload`);
  if (diff.recipients.length) lines.push('  recipients per message type:');
  for (const r of diff.recipients) lines.push(`    ${r.type}: [${r.before.join(', ')}] -> [${r.after.join(', ')}]`);
  return lines;
}
