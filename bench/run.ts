/**
 * `npm run bench`: the bus against a minimal hand-written pipeline, interleaved, on this machine.
 *
 *   npm run bench                       full run, 3 rounds, writes docs/benchmarks.md
 *   npm run bench -- --rounds 5         more rounds
 *   npm run bench -- --profile          also profiles bus and baseline in the headline scenario
 *   npm run bench -- --profile --alloc  ... and where they allocate (V8's sampling heap profiler, same stretch)
 *   npm run bench -- --profile --profile-scenarios headline,size-64k   (a latency scenario: profiled at its rounds' rate)
 *   npm run bench -- --only mail-merge-10k --profile --profile-scenarios mail-merge-10k   the mail merge's main thread
 *   npm run bench -- --only cdr-1m --cdr-rows 100000 --profile --profile-scenarios cdr-1m   the bus reading a CDR file
 *   npm run bench -- --quick            a few seconds, small counts, 1 round (CI); writes bench-results/
 *   npm run bench -- --only headline,fan-out-5   a subset
 *   npm run bench -- --bus-entry dist/apps/bus/apps/bus/src/main.js   run a bus built by `nest build bus`
 *   npm run bench -- --cdr-rows 1000000   the CDR file scenario at full size (default 20,000 rows)
 *   npm run bench -- --only cdr-1m --cdr-batch 100   the CDR destination takes the rows in batches of up to 100 (outbound.batches)
 *   npm run bench -- --only cdr-1m --cdr-priced   the rows priced by the usage-pricing processor on the way (the product's path)
 *   npm run bench -- --only cdr-1m --cdr-journal failures   the journal keeps only the call records that fail (journal.levels)
 *   npm run bench -- --letters 10000      the mail-merge scenario size (default 2,000; 10,000 is the issue's figure)
 *   npm run bench -- --peers              also Node-RED doing the headline job (bench/peers/node-red, installed on demand)
 *   npm run bench -- --only cdr-sizes --cdr-sizes 2000,10000,50000   the bus's cost per CDR file size
 *
 * Exits non-zero when any pipeline failed to deliver every accepted message.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, type MessageScenario } from './scenarios';
import { brokerPid, createVhost, deleteVhost, rabbitVersion } from './lib/broker';
import { buildBus, compileBench, RESULTS, ROOT, type BusLaunch } from './lib/build';
import { forkReady, killAll } from './lib/children';
import { keptAnalysis, med, renderReport, scenarioTable, targetsTable, type ScenarioResult } from './lib/report';
import { heapProfileOf, runOnce, type Pipeline, type RunContext } from './lib/run-once';
import { runCdr } from './lib/run-cdr';
import { ensureNodeRed } from './lib/peers';
import { runMailMerge } from './lib/run-mail-merge';
import { formatSummary, summarize } from './profile-summary';
import { formatAllocations, summarizeAllocations } from './alloc-summary';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '500' },
    profile: { type: 'boolean', default: false },
    alloc: { type: 'boolean', default: false },
    only: { type: 'string' },
    'bus-entry': { type: 'string' },
    'bus-entry-b': { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    'baseline-only': { type: 'boolean', default: false },
    'queue-type': { type: 'string', default: 'quorum' },
    out: { type: 'string' },
    'cdr-rows': { type: 'string', default: '20000' },
    'cdr-batch': { type: 'string', default: '0' },
    'cdr-priced': { type: 'boolean', default: false },
    'cdr-journal': { type: 'string', default: 'full' },
    letters: { type: 'string', default: '2000' },
    'profile-scenarios': { type: 'string', default: 'headline' },
    peers: { type: 'boolean', default: false },
    'cdr-sizes': { type: 'string', default: '2000,10000,50000' },
  },
});

const log = (s: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
/** Every pipeline of this run works in this vhost, deleted at the end (or on Ctrl-C). */
const vhost = `bpi-bench-${randomUUID().slice(0, 8)}`;
const fmt = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const failed = { ingressPerS: NaN, deliveredPerS: NaN, p50: NaN, p95: NaN, p99: NaN, peakRssMb: NaN, cpuMsPerMsg: NaN, mainCpuMsPerMsg: NaN, journalCpuMsPerMsg: NaN, brokerCpuMsPerMsg: NaN, accepted: 0 };

async function main(): Promise<number> {
  const quick = args.quick!;
  const rounds = quick ? 1 : Math.max(1, Number(args.rounds));
  const only = args.only?.split(',').map((s) => s.trim());
  const amqpUrl = createVhost(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', vhost);
  const queueType = args['queue-type'] === 'classic' ? 'classic' : 'quorum';
  const pipelines: Pipeline[] = args['baseline-only'] ? ['baseline'] : ['baseline', 'bus'];
  // The peers run in the headline only, after baseline and bus in each round; never in the quick CI run.
  if (args.peers && quick) log('--peers is ignored with --quick (the CI run stays free of the peers)');
  const peers = args.peers && !quick;
  // A second bus build (an A/B of a change) runs right after the first in every message scenario and round.
  const busB = args['bus-entry-b'] && !args['baseline-only'] ? args['bus-entry-b'] : undefined;
  const pipelinesOf = (s: MessageScenario): Pipeline[] => [
    ...pipelines,
    ...(busB ? (['bus-b'] as const) : []),
    ...(peers && s.id === 'headline' ? (['node-red'] as const) : []),
  ];
  mkdirSync(RESULTS, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bpi-bench-'));

  const nodeRedVersion = peers ? ensureNodeRed(log) : undefined;
  const compiled = compileBench();
  const busLaunch: BusLaunch | undefined = args['baseline-only'] ? undefined : buildBus({ entry: args['bus-entry'], skipBuild: args['skip-build'], log });
  const busLaunchB: BusLaunch | undefined = busB ? buildBus({ entry: busB, log }) : undefined;
  const sink = await forkReady('sink', compiled('sink.ts'), {});
  const ctx: RunContext = {
    amqpUrl, tmp, sink, sinkUrl: `http://127.0.0.1:${sink.port}`, busLaunch, busLaunchB, compiled, brokerPid: brokerPid(),
    quick, warmup: Math.max(1, Number(args.warmup) || 500), queueType, prefetch: 50, log, cdrBatch: Math.max(0, Number(args['cdr-batch']) || 0), cdrPriced: args['cdr-priced']!, cdrJournal: journalLevelArg(args['cdr-journal']!),
  };

  const results = new Map<string, ScenarioResult>();
  const selected = SCENARIOS.filter((s) => (only ? only.includes(s.id) : quick ? s.kind === 'messages' && s.inQuick : true));
  for (const s of selected) {
    const skipped = s.skip(ROOT);
    results.set(s.id, { id: s.id, title: s.title, baseline: [], bus: [], skipped });
    if (skipped) log(`${s.id}: skipped: ${skipped}`);
  }
  const runnable = selected.filter((s): s is MessageScenario => s.kind === 'messages' && !results.get(s.id)!.skipped);
  const cdrRows = Number(args['cdr-rows']);
  const cdr = selected.find((s) => s.id === 'cdr-1m' && !results.get(s.id)!.skipped && busLaunch);
  const batched =
    (ctx.cdrPriced ? ', priced by the usage-pricing processor' : '') +
    (ctx.cdrBatch ? `, delivered in batches of up to ${ctx.cdrBatch} (outbound.batches)` : '') +
    (ctx.cdrJournal === 'failures' ? ', the journal keeping only call records that fail (journal.levels)' : '');
  if (cdr) results.get(cdr.id)!.title = `CDR file of ${cdrRows.toLocaleString('en')} rows${batched} ${cdr.title.replace(/^CDR file /, '')}`;
  const cdrSizes = selected.some((s) => s.id === 'cdr-sizes' && !results.get(s.id)!.skipped) && busLaunch
    ? args['cdr-sizes']!.split(',').map((n) => Number(n.trim())).filter((n) => n > 0)
    : [];
  if (cdrSizes.length) results.delete('cdr-sizes'); // reported as one result per size
  const letters = Number(args.letters);
  const mailMerge = selected.find((s) => s.id === 'mail-merge-10k' && !results.get(s.id)!.skipped && busLaunch);
  if (mailMerge) results.get(mailMerge.id)!.title = `Mail merge of ${letters.toLocaleString('en')} letters (bus only; ingress = letters printed/s, delivered = notices e-mailed/s)`;

  let failures = 0;
  try {
    // Latency runs come after every throughput round: their fixed rate is half the median of all the
    // baseline's headline rounds, not of one round that a neighbour's job may have slowed.
    const phases = [runnable.filter((s) => !s.latencySeconds), runnable.filter((s) => s.latencySeconds)];
    for (const [phase, scenarios] of phases.entries()) for (let round = 1; round <= rounds; round++) {
      for (const scenario of scenarios) {
        const result = results.get(scenario.id)!;
        let rate: number | undefined;
        if (scenario.fixedRate) rate = result.rate = scenario.fixedRate;
        else if (scenario.latencySeconds) {
          const from = scenario.rateFrom ?? 'baseline';
          const peak = med(results.get('headline')?.[from] ?? [], 'deliveredPerS');
          if (!Number.isFinite(peak)) {
            result.skipped = `needs the headline's ${from} figures (run headline too)`;
            continue;
          }
          rate = result.rate ??= Math.max(10, Math.round(peak / 2));
        }
        for (const pipeline of pipelinesOf(scenario)) {
          log(`round ${round}/${rounds} ${scenario.id} ${pipeline}${rate ? ` at ${rate} msgs/s` : ''} ...`);
          try {
            const f = await runOnce(ctx, pipeline, scenario, round, rate);
            (result[pipeline] ??= []).push(f);
            log(`  ingress ${fmt(f.ingressPerS)}/s, delivered ${fmt(f.deliveredPerS)}/s, p50 ${fmt(f.p50, 1)} p99 ${fmt(f.p99, 1)} ms, RSS ${fmt(f.peakRssMb)} MB, CPU ${fmt(f.cpuMsPerMsg, 3)} ms/msg (main thread ${fmt(f.mainCpuMsPerMsg, 3)}, journal thread ${fmt(f.journalCpuMsPerMsg, 3)})${f.problem ? `; PROBLEM: ${f.problem}` : ''}`);
            if (f.problem) failures++;
          } catch (err) {
            failures++;
            const problem = (err as Error).message.split('\n').slice(0, 6).join(' | ');
            (result[pipeline] ??= []).push({ ...failed, problem });
            log(`  FAILED: ${(err as Error).message}`);
          }
        }
      }
      if (mailMerge && phase === 0) {
        log(`round ${round}/${rounds} mail-merge bus, ${letters} letters ...`);
        try {
          const f = await runMailMerge(ctx, letters);
          results.get(mailMerge.id)!.bus.push(f);
          log(`  printed ${fmt(f.ingressPerS)} letters/s, e-mailed ${fmt(f.deliveredPerS)}/s, RSS ${fmt(f.peakRssMb)} MB, CPU ${fmt(f.cpuMsPerMsg, 3)} ms/letter (main thread ${fmt(f.mainCpuMsPerMsg, 3)}, journal thread ${fmt(f.journalCpuMsPerMsg, 3)})${f.problem ? `; PROBLEM: ${f.problem}` : ''}`);
          if (f.problem) failures++;
        } catch (err) {
          failures++;
          results.get(mailMerge.id)!.bus.push({ ...failed, problem: (err as Error).message.split('\n').slice(0, 6).join(' | ') });
          log(`  FAILED: ${(err as Error).message}`);
        }
      }
      if (phase === 0) for (const rows of cdrSizes) {
        // The bus's cost per file size: one file each, smallest first (bus only).
        const id = `cdr-${rows}`;
        const result = results.get(id) ?? { id, title: `CDR file of ${rows.toLocaleString('en')} rows (bus only; ingress = rows read/s, delivered = rows at the sink/s)`, baseline: [], bus: [] };
        results.set(id, result);
        log(`round ${round}/${rounds} ${id} bus ...`);
        try {
          const f = await runCdr(ctx, rows);
          result.bus.push(f);
          log(`  read ${fmt(f.ingressPerS)} rows/s, delivered ${fmt(f.deliveredPerS)} rows/s, RSS ${fmt(f.peakRssMb)} MB, CPU ${fmt(f.cpuMsPerMsg, 3)} ms/row (main thread ${fmt(f.mainCpuMsPerMsg, 3)}, journal thread ${fmt(f.journalCpuMsPerMsg, 3)})${f.problem ? `; PROBLEM: ${f.problem}` : ''}`);
          if (f.problem) failures++;
        } catch (err) {
          failures++;
          result.bus.push({ ...failed, problem: (err as Error).message.split('\n').slice(0, 6).join(' | ') });
          log(`  FAILED: ${(err as Error).message}`);
        }
      }
      if (cdr && phase === 0) {
        log(`round ${round}/${rounds} cdr-1m bus, ${cdrRows} rows ...`);
        try {
          const f = await runCdr(ctx, cdrRows);
          results.get(cdr.id)!.bus.push(f);
          log(`  read ${fmt(f.ingressPerS)} rows/s, delivered ${fmt(f.deliveredPerS)} rows/s, RSS ${fmt(f.peakRssMb)} MB, CPU ${fmt(f.cpuMsPerMsg, 3)} ms/row (main thread ${fmt(f.mainCpuMsPerMsg, 3)}, journal thread ${fmt(f.journalCpuMsPerMsg, 3)})${f.problem ? `; PROBLEM: ${f.problem}` : ''}`);
          if (f.problem) failures++;
        } catch (err) {
          failures++;
          results.get(cdr.id)!.bus.push({ ...failed, problem: (err as Error).message.split('\n').slice(0, 6).join(' | ') });
          log(`  FAILED: ${(err as Error).message}`);
        }
      }
    }

    let profile = '';
    // The CPU profile's summary, and with --alloc the allocation profile's beside it.
    const summaries = (title: string, file: string) =>
      formatSummary(title, summarize(JSON.parse(readFileSync(file, 'utf8')), 15)) +
      '\n' +
      (args.alloc ? formatAllocations(title, summarizeAllocations(JSON.parse(readFileSync(heapProfileOf(file), 'utf8')), 15)) + '\n' : '');
    const fileProfiles: Record<string, { size: string; run: (c: RunContext) => Promise<unknown> }> = {
      'mail-merge-10k': { size: `${letters} letters, main thread`, run: (c) => runMailMerge(c, letters) },
      'cdr-1m': { size: `${cdrRows} rows`, run: (c) => runCdr(c, cdrRows) },
    };
    if (args.profile && !quick) {
      for (const id of args['profile-scenarios']!.split(',')) {
        // The bus alone, in a file scenario: one run with the profiler.
        const fileRun = fileProfiles[id.trim()];
        if (fileRun) {
          const file = path.join(RESULTS, `bus-${id.trim()}.cpuprofile`);
          log(`profiling bus in ${id.trim()} (${fileRun.size}) -> ${path.relative(ROOT, file)}`);
          await fileRun.run({ ...ctx, profileFile: file, allocProfile: args.alloc });
          profile += summaries(`bus, ${id.trim()}`, file);
          continue;
        }
        const scenario = SCENARIOS.find((s): s is MessageScenario => s.id === id.trim() && s.kind === 'messages');
        if (!scenario) throw new Error(`--profile-scenarios: "${id}" is not a message scenario`);
        // A latency scenario is profiled at the rate its rounds ran at (so it must be in --only).
        const rate = scenario.latencySeconds ? results.get(scenario.id)?.rate : undefined;
        if (scenario.latencySeconds && rate === undefined) throw new Error(`--profile-scenarios: "${id}" needs its rounds in this run (add it to --only)`);
        for (const pipeline of pipelines) {
          const file = path.join(RESULTS, `${pipeline}-${scenario.id}.cpuprofile`);
          log(`profiling ${pipeline} in ${scenario.id}${rate ? ` at ${rate} msgs/s` : ''} -> ${path.relative(ROOT, file)}`);
          await runOnce({ ...ctx, profileFile: file, allocProfile: args.alloc }, pipeline, scenario, 0, rate);
          profile += summaries(`${pipeline}, ${scenario.id}`, file);
        }
      }
    }

    const docs = path.join(ROOT, 'docs', 'benchmarks.md');
    const out = args.out ? path.resolve(args.out) : quick ? path.join(RESULTS, 'benchmarks-quick.md') : docs;
    const previous = existsSync(docs) ? readFileSync(docs, 'utf8') : '';
    const report = renderReport(
      {
        date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
        machine: `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
        node: process.version,
        rabbitmq: rabbitVersion(),
        command: `npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
        rounds,
        bus: busLaunch ? `${busLaunch.describe} at ${treeVersion()}` : 'not run (--baseline-only)',
        queueType,
        prefetch: ctx.prefetch,
        nodeRed: nodeRedVersion,
        busB: busLaunchB?.describe,
      },
      results,
      profile,
      keptAnalysis(previous),
    );
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, report);
    process.stdout.write('\n' + targetsTable(results) + '\n\n' + [...results.values()].map(scenarioTable).join('\n') + '\n');
    log(`report written to ${path.relative(ROOT, out)}`);
  } finally {
    await sink.stop();
    rmSync(tmp, { recursive: true, force: true });
    deleteVhost(vhost);
  }
  if (failures) log(`${failures} run(s) failed to deliver everything, did not start, or ran with a journal that was not writing`);
  return failures ? 1 : 0;
}

/** The commit the bus was built from, and whether the work tree had changes on top of it. */
function treeVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return `commit ${commit}${dirty ? ' plus uncommitted changes in apps/ and libs/' : ''}`;
  } catch {
    return 'an unknown commit';
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    deleteVhost(vhost);
    process.exit(130);
  });
}
main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    killAll();
    process.exit(1);
  },
);

function journalLevelArg(value: string): 'full' | 'failures' {
  if (value === 'full' || value === 'failures') return value;
  throw new Error(`--cdr-journal must be full or failures (got "${value}")`);
}
