import { isOutside, readConfigFiles } from '../../../bus/src/config/config-files';
import { diffConfigs } from '../../../bus/src/config/config-diff';
import { configFileOf, loadConfigOffline } from '../../../bus/src/config/offline-config';
import type { ReloadPlan } from '../../../bus/src/config/reload-plan';
import { AdminClient } from '../admin-client';
import { Exit, UsageError, type CliOptions, type CommandResult } from '../cli.types';
import { runningConfig } from '../config-source';
import { renderPlan } from './plan.command';

interface HistoryItem { version: string; appliedAt: string; appliedBy: string; reason: string; trigger: string; previousVersion: string | null }

/**
 * `bpi-bus apply [dir] --reason "…" [--expected-version V]`: checks `dir` here, then sends every
 * file of it to the bus, which writes them into its config folder and reloads. Without
 * `--expected-version` the plan is made against the running version now and that version is expected.
 */
export async function apply(dir = 'config', options: CliOptions): Promise<CommandResult> {
  if (!options.reason) throw new UsageError('apply needs --reason "why the config changes" (kept in the config history)');
  const client = AdminClient.from(options);
  const proposed = await loadConfigOffline(dir);
  let expectedVersion = options.expectedVersion;
  let planned: string[] = [];
  if (!expectedVersion) {
    const running = await runningConfig(client);
    expectedVersion = running.busVersion!;
    planned = renderPlan(diffConfigs(proposed, running.config), dir, running.label);
  }
  const files = await readConfigFiles(configFileOf(dir));
  // Files outside the config folder (an example's `../mappings`) cannot be written by the bus.
  const sendable = Object.fromEntries(Object.entries(files).filter(([name]) => !isOutside(name)));
  const plan = await client.post<ReloadPlan>('/admin/config/apply', { files: sendable, reason: options.reason, expectedVersion });
  return { exitCode: Exit.OK, json: plan, text: [...planned, `applied version ${plan.version} (was ${plan.previousVersion ?? 'none'})`] };
}

/** `bpi-bus rollback [version] --reason "…"`: the given version, or the one before the running one. */
export async function rollback(version: string | undefined, options: CliOptions): Promise<CommandResult> {
  if (!options.reason) throw new UsageError('rollback needs --reason "why" (kept in the config history)');
  const client = AdminClient.from(options);
  const { version: active } = await client.get<{ version: string }>('/admin/config');
  const target = version ?? (await previousVersion(client, active));
  if (!target) throw new UsageError(`the history holds no version before ${active}; name one: bpi-bus history lists them`);
  const plan = await client.post<ReloadPlan>('/admin/config/rollback', { version: target, reason: options.reason, expectedVersion: options.expectedVersion ?? active });
  const later = plan.atNextStart.map((setting) => `  ! ${setting} changed: it takes effect when each instance starts next, not at this rollback`);
  return { exitCode: Exit.OK, json: plan, text: [`rolled back to version ${plan.version} (was ${plan.previousVersion ?? 'none'})`, ...later] };
}

/** `bpi-bus history [--limit N]`: the versions the bus applied, newest first. */
export async function history(options: CliOptions): Promise<CommandResult> {
  const client = AdminClient.from(options);
  const page = await client.get<{ items: HistoryItem[]; nextCursor?: string }>(`/admin/config/history?limit=${Number(options.limit ?? 20)}`);
  const text = page.items.map((i) => `${i.version}  ${i.appliedAt}  ${i.trigger.padEnd(8)} ${i.appliedBy.padEnd(10)} ${i.reason}`);
  return { exitCode: Exit.OK, json: page, text: text.length ? text : ['no version recorded yet'] };
}

/** The newest version in the history that is not the running one. */
async function previousVersion(client: AdminClient, active: string): Promise<string | undefined> {
  const page = await client.get<{ items: HistoryItem[] }>('/admin/config/history?limit=100');
  return page.items.find((i) => i.version !== active)?.version;
}
