import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { asteriskTime, toMasterCsvLine, type CdrRecord } from '../../../demo-systems/src/bridge/bridge.cdr';
import { waitFor } from '../support/broker';
import { listDeadLetters } from './support/dead-letters';
import { drill, type DrillContext } from './support/drill';
import { formatFigures, pendingInQueues } from './support/drill-figures';
import type { CountingDestination } from './support/counting-destination';

const CALLS = Number(process.env.BUS_DRILL_CALLS || 1500);
const LEASE_MS = 3000;
/**
 * The reader has up to `recordsInFlight` (default 32) records with the bus at once and checkpoints only
 * through the first unanswered line, so at any checkpoint up to a checkpoint's worth plus a window of lines
 * past it are already published: the resume reads them again.
 */
const CHECKPOINT_EVERY = 100;
/** The checkpoint to kill at: the first one at or past about row 400 of 1,500, while the file is still being read. */
const KILL_AT_LINE = Math.max(CHECKPOINT_EVERY, Math.floor((CALLS * 0.27) / CHECKPOINT_EVERY) * CHECKPOINT_EVERY);

/**
 * The bridge's call records (file adapter, dedupKey = the call's uniqueid) straight to billing as
 * `usage.recorded` envelopes (passthrough), so billing counts per Idempotency-Key and per call; with
 * `batched`, billing takes them as a bulk endpoint does (outbound.batches), counting each record by its key.
 * The 207 variant also keeps the journal at level `failures` for usage, as a high-volume feed would: the
 * journal is not on the delivery path, so the counts must be the same.
 */
function cdrYaml(billingUrl: string, batched: Billing): string {
  const batches = batched ? ', batches: { usage.recorded: { path: /usage/batch, maxRecords: 100 } }' : '';
  return `systems:
  bridge-cdr:
    adapter: file
    codec: json
    mapper: bridge-cdr
    dedupKey: payload.usageId
    inbound:
      dropDir: "\${BRIDGE_CDR_DIR}"
      pattern: "*.csv"
      readiness: rename
      encoding: utf8
      checkpointEvery: ${CHECKPOINT_EVERY}
      leaseMs: ${LEASE_MS}
      csvColumns: [accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
                   start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield]
      meta:
        timeZone: Europe/Berlin
  billing:
    adapter: http
    codec: json
    mapper: passthrough
    outbound: { url: "${billingUrl}", timeoutMs: 30000${batches} }
routes:
  - name: usage-to-billing
    from: bridge-cdr
    types: [usage.recorded]
    to: [billing]
delivery:
  queueType: quorum
  prefetch: 50
  immediateRetries: 0
  redeliveryDelays: [100ms, 250ms, 500ms, 1s, 2s, 5s]
ingress:
  bodyLimit: 64kb
${batched === 'batches with 207' ? 'journal:\n  levels: { usage.#: failures }\n' : ''}`;
}

/** Answered calls of one conference, each with its own uniqueid. */
function calls(count: number, firstSeq: number, run: string): CdrRecord[] {
  const base = Date.parse('2026-12-03T09:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const seq = firstSeq + i;
    const start = new Date(base + seq * 1000);
    const src = `+49301${String(seq).padStart(6, '0')}`;
    return {
      accountcode: 'ACC-DRILL-1',
      src,
      dst: '8000',
      dcontext: 'conferences',
      clid: `"Caller ${seq}" <${src}>`,
      channel: `SIP/trunk-${seq.toString(16).padStart(8, '0')}`,
      dstchannel: '',
      lastapp: 'ConfBridge',
      lastdata: `CONF-${run}`,
      start: asteriskTime(start, 'Europe/Berlin'),
      answer: asteriskTime(new Date(start.getTime() + 3000), 'Europe/Berlin'),
      end: asteriskTime(new Date(start.getTime() + 63_000), 'Europe/Berlin'),
      duration: '63',
      billsec: '60',
      disposition: 'ANSWERED',
      amaflags: 'DOCUMENTATION',
      uniqueid: `${Math.floor(start.getTime() / 1000)}.${run}${seq}`,
      userfield: `BK-${run}`,
    };
  });
}

/** Drops a Master.csv as the bridge does: written as .part, renamed when complete. Returns its sha256. */
async function drop(ctx: DrillContext, name: string, records: CdrRecord[]): Promise<string> {
  const text = records.map(toMasterCsvLine).join('\n') + '\n';
  const part = await ctx.writeFile(`cdr/${name}.part`, text);
  await rename(part, join(ctx.dir, 'cdr', name));
  return createHash('sha256').update(text).digest('hex');
}

/** Calls billed exactly once, per uniqueid and per Idempotency-Key. */
function billed(billing: CountingDestination, records: CdrRecord[]) {
  const effects = billing.effectsByBusinessId();
  let once = 0;
  let twice = 0;
  let missing = 0;
  for (const r of records) {
    const keys = effects.get(r.uniqueid) ?? [];
    if (keys.length === 1) once++;
    else if (keys.length > 1) twice++;
    else missing++;
  }
  return { once, twice, missing, repeats: billing.repeats().length, keysTwice: billing.keysSeenMoreThanOnce().length };
}

describe('fault drill: bus SIGKILLed while reading a call-record file', () => {
  drill('should bill every call of a file exactly once when the bus reading it is killed and restarted', (ctx) => billsEveryCallOnce(ctx, false));
  drill('should bill every call exactly once with billing taking the calls in batches', (ctx) => billsEveryCallOnce(ctx, 'batches'));
  drill('should bill every call exactly once with billing answering each batch with a result per record (207)', (ctx) => billsEveryCallOnce(ctx, 'batches with 207'));
});

/** How billing takes the calls: one per request, in batches answered 201, or in batches answered 207 per record. */
type Billing = false | 'batches' | 'batches with 207';

async function billsEveryCallOnce(ctx: DrillContext, batched: Billing): Promise<void> {
  const started = Date.now();
  const run = randomUUID().slice(0, 6).replace(/[^0-9]/g, '7');
  const billing = await ctx.destination({ businessId: (body) => body?.payload?.usageId, multiStatus: batched === 'batches with 207' });
  await ctx.writeConfig(cdrYaml(billing.url, batched));
  const cdrDir = join(ctx.dir, 'cdr');
  await ctx.writeFile('cdr/.keep', '');
  const vars = { BRIDGE_CDR_DIR: cdrDir };
  const bus = await ctx.startBus('bus1', { vars });

  const records = calls(CALLS, 1, run);
  const sha256 = await drop(ctx, 'Master-1.csv', records);
  const ledger = async () => {
    const res = await ctx.admin(bus, 'GET', `files/${sha256}`);
    return res.status === 200 ? res.json : undefined;
  };
  // Killed at once on a checkpoint past the line, not once billing caught up with it: with records in flight the
  // reader runs ahead of billing, and waiting for billing could let it finish the file before the kill.
  const entry = await waitFor(`a checkpoint at or past line ${KILL_AT_LINE} of a file still being read`, async () => {
    const e = await ledger();
    return e?.status === 'processing' && (e.checkpoint?.file?.line ?? 0) >= KILL_AT_LINE ? e : undefined;
  }, 60_000, 5);
  await bus.kill();
  const killedAt = entry.checkpoint.file.line as number;
  ctx.note(`killed at checkpoint line ${killedAt} (status ${entry.status}), billing had ${billing.effectCount()} calls`);
  expect(killedAt).toBeLessThan(CALLS);
  expect(await readdir(cdrDir)).toContain('Master-1.csv');

  await bus.restart();
  const reportOf = (name: string) =>
    waitFor(`the report of ${name}`, async () => {
      const names = await readdir(join(cdrDir, 'processed')).catch(() => [] as string[]);
      return names.includes(`${name}.report.json`) ? JSON.parse(await readFile(join(cdrDir, 'processed', `${name}.report.json`), 'utf8')) : undefined;
    }, 120_000, 200);
  const report = await reportOf('Master-1.csv');
  ctx.note(`report: ${JSON.stringify({ ...report, failedRows: report.failedRows?.length })}`);
  await waitFor(`${CALLS} calls at billing`, () => billing.effectCount() >= CALLS, 120_000, 200);
  await waitFor('no queue holding work', async () => (await pendingInQueues(ctx.vhost.name)) === 0, 60_000, 500);

  const first = billed(billing, records);
  const dead = await listDeadLetters(ctx, bus, 'state=all');
  const failed = await readdir(join(cdrDir, 'failed')).catch(() => [] as string[]);
  ctx.note(
    formatFigures(batched ? `cdr file sigkill, ${batched}` : 'cdr file sigkill', { accepted: CALLS, deliveredOnce: first.once, lost: first.missing, duplicates: first.twice, repeats: first.repeats, parked: dead.length, refused: 0 }, {
      killedAtLine: killedAt,
      resumedAfterLines: report.resumedAfterLines,
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  );
  expect(report).toMatchObject({ outcome: 'processed', rows: CALLS, passed: CALLS, duplicates: 0, failed: 0 });
  expect(report.resumedAfterLines).toEqual([expect.any(Number)]);
  // The resume starts at or after the checkpoint seen at the kill (a later one may have been saved meanwhile), mid-file.
  expect(report.resumedAfterLines[0]).toBeGreaterThanOrEqual(killedAt);
  expect(report.resumedAfterLines[0]).toBeLessThan(CALLS);
  expect(first).toEqual({ once: CALLS, twice: 0, missing: 0, repeats: first.repeats, keysTwice: first.keysTwice });
  if (batched) {
    ctx.note(`billing took ${billing.batches.records} records in ${billing.batches.calls} calls`);
    expect(billing.batches.calls).toBeLessThan(billing.batches.records / 2);
  } else {
    expect(billing.batches.calls).toBe(0);
  }
  // A kill between billing's 2xx and the bus recording it may resend the same key (absorbed); at most a prefetch.
  expect(first.repeats).toBeLessThanOrEqual(50);
  expect(dead).toEqual([]);
  expect(failed).toEqual([]);
  expect((await readdir(cdrDir)).filter((n) => n.endsWith('.csv'))).toEqual([]);

  // A later export repeats 7 known calls and has 1 new one: only the new one is billed.
  const repeated = [...records.slice(100, 107), ...calls(1, CALLS + 1, run)];
  await drop(ctx, 'Master-2.csv', repeated);
  const second = await reportOf('Master-2.csv');
  await waitFor(`${CALLS + 1} calls at billing`, () => billing.effectCount() >= CALLS + 1, 60_000, 200);
  await waitFor('no queue holding work', async () => (await pendingInQueues(ctx.vhost.name)) === 0, 60_000, 500);
  const all = billed(billing, [...records, repeated[7]]);
  ctx.note(`second file: report ${JSON.stringify({ ...second, failedRows: second.failedRows?.length })}, billing ${JSON.stringify(all)}`);
  expect(second).toMatchObject({ outcome: 'processed', rows: 8, passed: 1, duplicates: 7, failed: 0 });
  expect(all).toMatchObject({ once: CALLS + 1, twice: 0, missing: 0 });
  expect(billing.effectCount()).toBe(CALLS + 1);
  expect(await listDeadLetters(ctx, bus, 'state=all')).toEqual([]);
}
