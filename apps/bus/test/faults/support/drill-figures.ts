import type { CountingDestination } from './counting-destination';
import { queueDepths } from './fault-broker';
import type { OutgoingMessage, SendReport } from './sender';

/** What a drill measured: the promise holds when lost, duplicates and repeats are 0 and accepted = deliveredOnce + parked. */
export interface DrillFigures {
  /** Messages the bus answered 2xx. */
  accepted: number;
  /** Accepted messages with exactly one effect (one key answered 2xx) at the destination. */
  deliveredOnce: number;
  /** Accepted, no effect, not parked as a dead letter. */
  lost: number;
  /** Accepted messages with more than one effect: the destination saw them under different keys. */
  duplicates: number;
  /** Sends of a key the destination had already answered 2xx (absorbed by an idempotent destination). */
  repeats: number;
  /** Accepted, no effect, parked as a dead letter. */
  parked: number;
  /** Messages the bus refused for good (a final non-2xx the sender does not retry). */
  refused: number;
}

export interface FigureDetails {
  figures: DrillFigures;
  /** A few examples of each kind of break, for the failure message. */
  samples: { lost: string[]; duplicates: string[]; repeats: string[] };
}

/** Counts accepted messages against the destination's effects (and the dead letters, when a drill parks some). */
export function tally(messages: OutgoingMessage[], report: SendReport, destination: CountingDestination, parkedIds: ReadonlySet<string> = new Set()): FigureDetails {
  const effects = destination.effectsByBusinessId();
  const accepted = messages.filter((m) => report.accepted.has(m.key));
  const lost: string[] = [];
  const duplicates: string[] = [];
  let deliveredOnce = 0;
  let parked = 0;
  for (const m of accepted) {
    const keys = effects.get(m.businessId) ?? [];
    if (keys.length === 1) deliveredOnce++;
    else if (keys.length > 1) duplicates.push(`${m.businessId} (keys ${keys.join(', ')})`);
    else if (parkedIds.has(m.businessId)) parked++;
    else lost.push(`${m.businessId} (sender key ${m.key}, message ${report.accepted.get(m.key)})`);
  }
  const repeats = destination.repeats();
  return {
    figures: {
      accepted: accepted.length,
      deliveredOnce,
      lost: lost.length,
      duplicates: duplicates.length,
      repeats: repeats.length,
      parked,
      refused: report.refused.size,
    },
    samples: { lost: lost.slice(0, 5), duplicates: duplicates.slice(0, 5), repeats: repeats.slice(0, 5).map((r) => `${r.key} (${r.businessId})`) },
  };
}

/** Messages the queues still hold as work (everything but dead letters and unrouted); an unknown count counts as work. */
export async function pendingInQueues(vhost: string): Promise<number> {
  let pending = 0;
  for (const [name, depth] of await queueDepths(vhost)) {
    if (!name.endsWith('.dead-letter') && !name.endsWith('unrouted')) pending += Number.isNaN(depth) ? 1 : depth;
  }
  return pending;
}

export interface SettleOptions {
  vhost: string;
  messages: OutgoingMessage[];
  report: SendReport;
  destination: CountingDestination;
  /** Business ids parked as dead letters, when a drill expects some. */
  parked?: () => Promise<ReadonlySet<string>>;
  /** @default 120000 */
  timeoutMs?: number;
  /** Says what the bus knows of a lost message (e.g. its journal status), added to the examples. */
  explain?: (messageId: string) => Promise<string>;
}

/**
 * Waits until the outcome is final: every accepted message has an effect (or is parked) and no queue
 * holds work any more (ready or unacked), so nothing can still arrive. If queues stay empty while some
 * messages have no effect, those are lost; it stops waiting once that has held for a few checks.
 */
export async function settle(o: SettleOptions): Promise<FigureDetails> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let emptyChecks = 0;
  let lastQueueCheck = 0;
  for (;;) {
    const parked = (await o.parked?.()) ?? new Set<string>();
    const details = tally(o.messages, o.report, o.destination, parked);
    const { accepted, deliveredOnce, duplicates, parked: p } = details.figures;
    const allArrived = deliveredOnce + duplicates + p === accepted;
    // rabbitmqctl costs most of a core-second: ask the broker only when it can end the wait.
    if (allArrived || Date.now() - lastQueueCheck > 3000) {
      lastQueueCheck = Date.now();
      if ((await pendingInQueues(o.vhost)) === 0) emptyChecks++;
      else emptyChecks = 0;
    }
    // Empty twice in a row: a message moving from a retry queue back to its work queue is in one of them.
    if ((allArrived && emptyChecks >= 2) || emptyChecks >= 4 || Date.now() > deadline) return explained(details, o);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function explained(details: FigureDetails, o: SettleOptions): Promise<FigureDetails> {
  if (!o.explain || details.samples.lost.length === 0) return details;
  const lost = await Promise.all(
    o.messages
      .filter((m) => details.samples.lost.some((s) => s.startsWith(`${m.businessId} `)))
      .map(async (m) => {
        const id = o.report.accepted.get(m.key)!;
        const why = await o.explain!(id).catch((err: Error) => `(could not ask: ${err.message})`);
        return `${m.businessId} (sender key ${m.key}, message ${id}: ${why})`;
      }),
  );
  return { ...details, samples: { ...details.samples, lost } };
}

/** One line per drill, for the log and the report. */
export function formatFigures(title: string, f: DrillFigures, extra: Record<string, unknown> = {}): string {
  const more = Object.entries(extra)
    .map(([k, v]) => `, ${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('');
  return `[drill] ${title}: accepted ${f.accepted}, delivered once ${f.deliveredOnce}, lost ${f.lost}, duplicates ${f.duplicates}, repeats ${f.repeats}, parked ${f.parked}, refused ${f.refused}${more}`;
}

export interface PromiseExpectation {
  /** Messages the drill sent; all must be accepted. */
  sent: number;
  /** Messages expected parked as dead letters at the end. @default 0 */
  parked?: number;
  /**
   * Same-key resends the destination may see. 0 unless the drill kills a bus: a process killed
   * between the destination's 2xx and recording it must send again, with the same key, and an
   * idempotent destination absorbs it (at most `prefetch` per kill).
   */
  maxRepeats?: number;
  /** More figures the drill checks, as `name: [measured, expected]`; reported with the others. */
  also?: Record<string, [number, number]>;
}

/** Fails with every figure and examples of each break unless the delivery promise held. */
export function expectPromiseKept(details: FigureDetails, e: PromiseExpectation): void {
  const f = details.figures;
  const parked = e.parked ?? 0;
  const problems: string[] = [];
  if (f.accepted !== e.sent) problems.push(`${e.sent - f.accepted} of ${e.sent} messages were never accepted`);
  if (f.refused) problems.push(`${f.refused} refused for good`);
  if (f.lost) problems.push(`${f.lost} lost (e.g. ${details.samples.lost.join('; ')})`);
  if (f.duplicates) problems.push(`${f.duplicates} delivered more than once under different keys (e.g. ${details.samples.duplicates.join('; ')})`);
  if (f.repeats > (e.maxRepeats ?? 0)) problems.push(`${f.repeats} same-key resends, more than the ${e.maxRepeats ?? 0} allowed (e.g. ${details.samples.repeats.join('; ')})`);
  if (f.parked !== parked) problems.push(`${f.parked} parked as dead letters, expected ${parked}`);
  if (f.deliveredOnce !== e.sent - parked) problems.push(`${f.deliveredOnce} delivered exactly once, expected ${e.sent - parked}`);
  for (const [name, [measured, expected]] of Object.entries(e.also ?? {})) {
    if (measured !== expected) problems.push(`${name} ${measured}, expected ${expected}`);
  }
  if (problems.length) throw new Error(`The delivery promise broke: ${problems.join('; ')}.\n${formatFigures('figures', f)}`);
}
