import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { runLoad, type LoadOptions, type LoadResult } from '../load';
import { runPacedLoad } from '../paced-load';
import { bodyTemplate, type MessageScenario } from '../scenarios';
import type { SinkReport } from '../sink';
import { destinationPath, destinationSystems, sourceSystem, writeBenchConfig } from './bench-config';
import type { BusLaunch } from './build';
import { deleteExchange, deleteQueues } from './broker';
import { forkReady, freePort, spawnHttpReady, type Child } from './children';
import { startNodeRed } from './peers';
import { sampleProcess, type ProcSample } from './proc-stats';

/**
 * baseline and bus run in every scenario; bus-b (a second build of the bus, `--bus-entry-b`) in every message
 * scenario; node-red (a peer, `--peers`) in the headline only.
 */
export type Pipeline = 'baseline' | 'bus' | 'bus-b' | 'node-red';

/** The figures of one pipeline in one scenario in one round. */
export interface RunFigures {
  ingressPerS: number;
  deliveredPerS: number;
  p50: number;
  p95: number;
  p99: number;
  peakRssMb: number;
  cpuMsPerMsg: number;
  /** Of cpuMsPerMsg, the pipeline's main threads (event loops). */
  mainCpuMsPerMsg: number;
  /** Of cpuMsPerMsg, the bus's journal writer threads (0 for pipelines without one). */
  journalCpuMsPerMsg: number;
  brokerCpuMsPerMsg: number;
  accepted: number;
  /** why this run does not count (not everything delivered, refusals), or undefined */
  problem?: string;
}

export interface RunContext {
  amqpUrl: string;
  tmp: string;
  sink: Child;
  sinkUrl: string;
  busLaunch?: BusLaunch;
  /** `--bus-entry-b`: another build of the bus, run after the first in every message scenario (A/B of a change) */
  busLaunchB?: BusLaunch;
  compiled: (relative: string) => string;
  brokerPid?: number;
  quick: boolean;
  /** Messages each pipeline takes before a round's measured phase (`--warmup`). */
  warmup: number;
  queueType: 'quorum' | 'classic';
  prefetch: number;
  /** `--cdr-batch`: the CDR scenario's destination takes rows in batches of up to this many (0: one per call) */
  cdrBatch: number;
  /** `--cdr-priced`: the CDR rows go through the usage-pricing processor before the sink */
  cdrPriced: boolean;
  /** `--cdr-journal`: `failures` sets `journal.levels: { usage.#: failures }` in the CDR scenario's config */
  cdrJournal: 'full' | 'failures';
  log: (s: string) => void;
  /** set for the profiling run: where the pipeline writes its CPU profile */
  profileFile?: string;
  /** `--alloc`: the profiling run also writes an allocation profile, `<profileFile>` with `.heapprofile` */
  allocProfile?: boolean;
}

/** Where the allocation profile of a profiling run goes (`--alloc`). */
export const heapProfileOf = (cpuProfile: string) => cpuProfile.replace(/\.cpuprofile$/, '.heapprofile');

const API_KEY = 'bench-key';

export async function runOnce(ctx: RunContext, pipeline: Pipeline, scenario: MessageScenario, round: number, rate?: number): Promise<RunFigures> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const shape = { prefix, destinations: scenario.destinations };
  const source = sourceSystem(shape);
  const dests = destinationSystems(shape);
  const baselineName = `bench-${pipeline}-${randomUUID()}`;
  await ctx.sink.call({ cmd: 'reset' });
  const children = await startPipeline(ctx, pipeline, scenario, prefix, baselineName);
  try {
    const template = bodyTemplate(scenario.codec, scenario.bodyBytes, `${prefix}-${pipeline}`);
    // Several bus instances share the 50 connections and the messages, as a load balancer in front would.
    const load = async (amount: number | undefined, runId: string, durationS?: number, overallRate?: number) => {
      const parts = await Promise.all(children.map((child, i) => {
        const t = bodyTemplate(scenario.codec, scenario.bodyBytes, `${runId}-${i}`);
        const share = amount === undefined ? undefined : Math.ceil(amount / children.length);
        const options: LoadOptions = {
          url: `http://127.0.0.1:${child.port}/adapters/${source}/messages`,
          headers: { 'content-type': template.contentType, 'x-api-key': API_KEY },
          body: t.body,
          connections: Math.max(1, Math.floor((share === undefined ? 50 : Math.min(50, share)) / children.length)),
          amount: share,
          durationS,
        };
        // A latency run paces its requests evenly (paced-load.ts); throughput runs are closed loop.
        return overallRate !== undefined && durationS !== undefined
          ? runPacedLoad({ ...options, durationS, overallRate: overallRate / children.length })
          : runLoad(options);
      }));
      return combineLoads(parts);
    };
    const drained = async (accepted: number, timeoutMs: number) => {
      const expected = Object.fromEntries(dests.map((_, i) => [destinationPath(i + 1), accepted]));
      return (await ctx.sink.call({ cmd: 'wait', expected, timeoutMs }, timeoutMs + 10_000)).ok as boolean;
    };

    // Warm-up: JIT, keep-alive sockets and queues, not measured.
    const warm = await load(ctx.quick ? 20 : ctx.warmup, `${prefix}-warm`);
    if (!(await drained(warm.accepted, 60_000))) throw new Error(`warm-up: ${warm.accepted} accepted were not all delivered within 60 s`);
    await ctx.sink.call({ cmd: 'reset' });

    if (ctx.profileFile) await startProfile(children[0]);
    const before = sampleAll(children);
    const brokerBefore = ctx.brokerPid ? safeSample(ctx.brokerPid) : undefined;
    const amount = scenario.latencySeconds ? undefined : ctx.quick ? scenario.messages.quick : scenario.messages.full;
    const seconds = scenario.latencySeconds ? (ctx.quick ? scenario.latencySeconds.quick : scenario.latencySeconds.full) : undefined;
    const result: LoadResult = await load(amount, `${prefix}-${pipeline}`, seconds, rate);
    const timeoutMs = Math.max(60_000, result.accepted * 10);
    const complete = await drained(result.accepted, timeoutMs);
    const after = sampleAll(children);
    const brokerAfter = ctx.brokerPid ? safeSample(ctx.brokerPid) : undefined;
    const report = (await ctx.sink.call({ cmd: 'report' })).report as SinkReport;

    if (ctx.profileFile) await writeProfile(children[0], ctx.profileFile);
    const delivered = Math.min(...dests.map((_, i) => report.paths[destinationPath(i + 1)]?.distinct ?? 0));
    const problems: string[] = [];
    if (!complete) problems.push(`${delivered} of ${result.accepted} accepted messages reached every destination within ${timeoutMs / 1000} s`);
    if (result.refused || result.errors) problems.push(`refused ${result.refused}, errors ${result.errors} (statuses ${JSON.stringify(result.statuses)}${result.errorKinds && result.errors ? `; no answer: ${JSON.stringify(result.errorKinds)}` : ''})`);
    if (result.accepted === 0) problems.push('nothing accepted');
    if (pipeline === 'bus' || pipeline === 'bus-b') for (const child of children) problems.push(...(await journalTrouble(child.port)));
    return {
      ingressPerS: result.acceptedPerSecond,
      deliveredPerS: delivered / ((report.lastAt - result.firstAcceptedAt) / 1000),
      p50: report.latency.p50,
      p95: report.latency.p95,
      p99: report.latency.p99,
      peakRssMb: after.peakRssBytes / 2 ** 20,
      cpuMsPerMsg: (after.cpuMs - before.cpuMs) / Math.max(1, result.accepted),
      mainCpuMsPerMsg: (after.mainThreadCpuMs - before.mainThreadCpuMs) / Math.max(1, result.accepted),
      journalCpuMsPerMsg: (after.journalThreadCpuMs - before.journalThreadCpuMs) / Math.max(1, result.accepted),
      brokerCpuMsPerMsg: brokerBefore && brokerAfter ? (brokerAfter.cpuMs - brokerBefore.cpuMs) / Math.max(1, result.accepted) : NaN,
      accepted: result.accepted,
      problem: problems.length ? problems.join('; ') : undefined,
    };
  } finally {
    for (const child of children) await child.stop();
    if (pipeline === 'bus' || pipeline === 'bus-b') {
      await deleteQueues(ctx.amqpUrl, [`bus.${prefix}-`]);
    } else {
      // The baseline deletes its own; this catches a crash. Node-RED exits before its flow's cleanup is done.
      await deleteQueues(ctx.amqpUrl, [baselineName]);
      if (pipeline === 'node-red') await deleteExchange(ctx.amqpUrl, baselineName);
    }
    rmSync(path.join(ctx.tmp, prefix), { recursive: true, force: true });
  }
}

/**
 * A bus whose journal could not write still delivers everything, and its figures then leave out the journal's
 * work: such a round does not count. Read from the bus's own /metrics.
 */
async function journalTrouble(port: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const failing = value('bus_journal_failing');
  const dropped = value('bus_journal_dropped_events_total');
  // A build from before these metrics (an A/B's older side) has neither: nothing to tell.
  if (!(failing > 0 || dropped > 0)) return [];
  return [`the journal was not writing (bus_journal_failing ${failing}, bus_journal_dropped_events_total ${dropped}; the bus log says why)`];
}

/** The load of several instances as one: counts added, from the first start to the last answer. */
function combineLoads(parts: LoadResult[]): LoadResult {
  if (parts.length === 1) return parts[0];
  const startedAt = Math.min(...parts.map((p) => p.startedAt));
  const endedAt = Math.max(...parts.map((p) => p.endedAt));
  const accepted = parts.reduce((a, p) => a + p.accepted, 0);
  const statuses: Record<string, number> = {};
  for (const p of parts) for (const [code, n] of Object.entries(p.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    sent: parts.reduce((a, p) => a + p.sent, 0),
    accepted,
    refused: parts.reduce((a, p) => a + p.refused, 0),
    errors: parts.reduce((a, p) => a + p.errors, 0),
    startedAt,
    firstAcceptedAt: Math.min(...parts.map((p) => p.firstAcceptedAt).filter(Number.isFinite)),
    endedAt,
    acceptedPerSecond: accepted / ((endedAt - startedAt) / 1000),
    statuses,
  };
}

/**
 * CPU added over the processes of one pipeline; peak RSS too (each process's own peak: an upper bound of
 * the pair's peak at any one moment, and the memory a deployment must give them).
 */
function sampleAll(children: Child[]): ProcSample {
  const samples = children.map((c) => sampleProcess(c.pid));
  return {
    cpuMs: samples.reduce((a, s) => a + s.cpuMs, 0),
    mainThreadCpuMs: samples.reduce((a, s) => a + s.mainThreadCpuMs, 0),
    journalThreadCpuMs: samples.reduce((a, s) => a + s.journalThreadCpuMs, 0),
    rssBytes: samples.reduce((a, s) => a + s.rssBytes, 0),
    peakRssBytes: samples.reduce((a, s) => a + s.peakRssBytes, 0),
  };
}

async function startPipeline(ctx: RunContext, pipeline: Pipeline, scenario: MessageScenario, prefix: string, baselineName: string): Promise<Child[]> {
  const shape = { prefix, destinations: scenario.destinations };
  const { nodeArgs: profiler, env: profileEnv } = profilerLaunch(ctx);
  if (pipeline === 'node-red') {
    if (ctx.profileFile) throw new Error('--profile does not profile Node-RED');
    return [await startNodeRed({
      scenario,
      amqpUrl: ctx.amqpUrl,
      name: baselineName,
      source: sourceSystem(shape),
      apiKey: API_KEY,
      destination: { name: destinationSystems(shape)[0], url: `${ctx.sinkUrl}${destinationPath(1)}` },
      queueType: ctx.queueType,
      prefetch: ctx.prefetch,
      userDir: path.join(ctx.tmp, prefix, 'node-red'),
    })];
  }
  if (pipeline === 'baseline') {
    return [await forkReady('baseline', ctx.compiled('baseline/pipeline.ts'), {
      AMQP_URL: ctx.amqpUrl,
      BENCH_NAME: baselineName,
      BENCH_SOURCE: sourceSystem(shape),
      BENCH_API_KEY: API_KEY,
      BENCH_CODEC: scenario.codec,
      BENCH_DESTINATIONS: JSON.stringify(destinationSystems(shape).map((name, i) => ({ name, url: `${ctx.sinkUrl}${destinationPath(i + 1)}` }))),
      BENCH_QUEUE_TYPE: ctx.queueType,
      BENCH_PREFETCH: String(ctx.prefetch),
      ...profileEnv,
    }, 30_000, profiler)];
  }
  const launch = pipeline === 'bus-b' ? ctx.busLaunchB : ctx.busLaunch;
  if (!launch) throw new Error(`the ${pipeline === 'bus-b' ? 'second bus (--bus-entry-b)' : 'bus'} was not built`);
  const dir = path.join(ctx.tmp, prefix);
  const config = writeBenchConfig(dir, {
    ...shape,
    sinkUrl: ctx.sinkUrl,
    routes: scenario.routes,
    codec: scenario.codec,
    journal: scenario.journal,
    queueType: ctx.queueType,
    prefetch: ctx.prefetch,
  });
  // Instances of one deployment: the same config and the same BUS_DATA_DIR store (README, "Running several
  // instances"); they compete for the messages of each queue. Started one after the other, so the second
  // finds the store's schema in place.
  const instances: Child[] = [];
  try {
    for (let i = 0; i < (scenario.instances ?? 1); i++) {
      const port = await freePort();
      instances.push(await spawnHttpReady(i === 0 ? pipeline : `${pipeline} ${i + 1}`, [...(i === 0 ? profiler : []), ...launch.nodeArgs], {
        ...launch.env,
        ...(i === 0 ? profileEnv : {}),
        PORT: String(port),
        AMQP_URL: ctx.amqpUrl,
        BUS_CONFIG: config,
        BUS_DATA_DIR: path.join(dir, 'data'),
        BUS_CONFIG_WATCH: 'false',
        ADMIN_TOKEN: randomUUID(),
        LOG_LEVEL: 'warn',
        BENCH_API_KEY: API_KEY,
      }, port, '/health/ready'));
    }
  } catch (err) {
    for (const child of instances) await child.stop();
    throw err;
  }
  return instances;
}

function safeSample(pid: number): ProcSample | undefined {
  try {
    return sampleProcess(pid);
  } catch {
    return undefined;
  }
}

/** Node arguments and environment that preload the CPU profiler into a pipeline (none without `--profile`). */
export function profilerLaunch(ctx: Pick<RunContext, 'profileFile' | 'allocProfile' | 'compiled'>): { nodeArgs: string[]; env: Record<string, string> } {
  if (!ctx.profileFile) return { nodeArgs: [], env: {} };
  const env: Record<string, string> = { BENCH_CPU_PROFILE: ctx.profileFile };
  if (ctx.allocProfile) env.BENCH_HEAP_PROFILE = heapProfileOf(ctx.profileFile);
  return { nodeArgs: ['-r', ctx.compiled('lib/cpu-profiler.ts')], env };
}

export async function startProfile(child: Child): Promise<void> {
  child.proc.kill('SIGWINCH');
  const deadline = Date.now() + 30_000;
  while (!child.output().includes('profile started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50)); // poll, bounded
}

export async function writeProfile(child: Child, file: string): Promise<void> {
  rmSync(file, { force: true });
  child.proc.kill('SIGWINCH');
  // The preloaded profiler says when the file is complete.
  const deadline = Date.now() + 60_000;
  while (!/profile (written|failed)/.test(child.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100)); // poll, bounded
  if (!existsSync(file)) throw new Error(`${child.label} wrote no CPU profile to ${file}: ${child.output().slice(-500)}`);
}
