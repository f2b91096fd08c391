import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { ActiveConfig } from '../../../bus/src/config/active-config';
import { parseDuration } from '../../../bus/src/config/config-units';
import { traceEnvelope } from '../../../bus/src/config/message-trace';
import { loadConfigOffline } from '../../../bus/src/config/offline-config';
import { AdminClient } from '../admin-client';
import { Exit, UsageError, type CliOptions, type CommandResult } from '../cli.types';
import { runningConfig } from '../config-source';

interface Summary { id: string; type: string; source: string; receivedAt: string }
interface Page { items: Summary[]; nextCursor?: string }
interface History { message: { canonical?: CanonicalEnvelope } }

/** One journal message replayed through the running and the proposed config. */
export interface ReplayedMessage {
  id: string;
  type: string;
  source: string;
  before: { recipients: string[]; outputs: Record<string, string> };
  after: { recipients: string[]; outputs: Record<string, string> };
  /** `same`, or what differs: recipients, outputs, or that the proposed config fails it. */
  differences: string[];
}

/**
 * `bpi-bus dry-run [dir] --since 1h | --last N`: the messages the bus's journal recorded, replayed
 * through the running version and through `dir` without sending anything: recipients and encoded
 * outputs before and after, and a summary of the differences.
 */
export async function dryRun(dir = 'config', options: CliOptions): Promise<CommandResult> {
  const since = options.since !== undefined ? parseDuration(options.since) : undefined;
  const last = options.last !== undefined ? Number(options.last) : undefined;
  if (options.since !== undefined && since === undefined) throw new UsageError(`--since ${options.since} is not a duration such as 30m, 1h or 2d`);
  if (last !== undefined && !(Number.isInteger(last) && last > 0)) throw new UsageError(`--last ${options.last} must be a positive whole number`);
  if (since === undefined && last === undefined) throw new UsageError('dry-run needs --since <duration> or --last <N>');

  const client = AdminClient.from(options);
  const proposed = await loadConfigOffline(dir);
  const running = await runningConfig(client);
  const ids = await journalIds(client, since, last ?? 1000);
  const replayed: ReplayedMessage[] = [];
  let skipped = 0;
  for (const summary of ids) {
    const { message } = await client.get<History>(`/admin/messages/${encodeURIComponent(summary.id)}`);
    if (!message.canonical) {
      skipped++;
      continue;
    }
    replayed.push(await replay(message.canonical, running.config, proposed));
  }
  const changed = replayed.filter((r) => r.differences.length);
  const summary = {
    messages: replayed.length,
    unchanged: replayed.length - changed.length,
    recipientsChanged: changed.filter((r) => r.differences.includes('recipients')).length,
    outputsChanged: changed.filter((r) => r.differences.includes('outputs')).length,
    failing: changed.filter((r) => r.differences.some((d) => d.startsWith('fails'))).length,
    skipped,
  };
  const text = [
    `${replayed.length} messages replayed through ${running.label} and ${dir} (version ${proposed.version}); nothing was sent`,
    ...changed.flatMap((r) => [
      `  ${r.id} ${r.type} from ${r.source}: ${r.differences.join(', ')}`,
      ...(r.differences.includes('recipients') ? [`    recipients [${r.before.recipients.join(', ')}] -> [${r.after.recipients.join(', ')}]`] : []),
      ...Object.keys({ ...r.before.outputs, ...r.after.outputs })
        .filter((d) => r.before.outputs[d] !== r.after.outputs[d])
        .map((d) => `    ${d}:\n      before ${r.before.outputs[d] ?? '(not sent)'}\n      after  ${r.after.outputs[d] ?? '(not sent)'}`),
    ]),
    `summary: ${summary.unchanged} unchanged, ${summary.recipientsChanged} with other recipients, ${summary.outputsChanged} with other outputs, ${summary.failing} failing under the new config, ${summary.skipped} without a canonical message`,
  ];
  return { exitCode: summary.failing ? Exit.PROBLEMS : Exit.OK, json: { runningVersion: running.busVersion, proposedVersion: proposed.version, summary, messages: replayed }, text };
}

async function journalIds(client: AdminClient, sinceMs: number | undefined, max: number): Promise<Summary[]> {
  const out: Summary[] = [];
  let cursor: string | undefined;
  const since = sinceMs !== undefined ? new Date(Date.now() - sinceMs).toISOString() : undefined;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(500, max - out.length)), ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
    const page = await client.get<Page>(`/admin/messages?${query}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  // Oldest first: the order they happened in.
  return out.slice(0, max).reverse();
}

export async function replay(envelope: CanonicalEnvelope, before: ActiveConfig, after: ActiveConfig): Promise<ReplayedMessage> {
  const [b, a] = await Promise.all([traceEnvelope(before, envelope), traceEnvelope(after, envelope)]);
  const outputs = (t: typeof b) => Object.fromEntries(t.outputs.map((o) => [o.destination, o.ok ? (o.body ?? '') : `ERROR ${o.error}`]));
  const differences: string[] = [];
  if (b.recipients.join() !== a.recipients.join()) differences.push('recipients');
  const [ob, oa] = [outputs(b), outputs(a)];
  if (Object.keys(oa).some((d) => d in ob && ob[d] !== oa[d])) differences.push('outputs');
  const failures = a.outputs.filter((o) => !o.ok).map((o) => `fails at ${o.destination}: ${o.error}`);
  differences.push(...failures, ...a.conditionErrors.map((e) => `fails: ${e}`));
  return { id: envelope.id, type: envelope.type, source: envelope.source, before: { recipients: b.recipients, outputs: ob }, after: { recipients: a.recipients, outputs: oa }, differences };
}
