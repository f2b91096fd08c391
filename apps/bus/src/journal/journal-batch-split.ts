import type { JournalEvent } from '../store/bus-store';

/** What writing a failed batch by halves came to. */
export interface SplitResult {
  /** How many events the halves wrote. */
  written: number;
  /** Events that failed alone while the store took the write right after them: drop them, with their error. */
  poison: Array<{ event: JournalEvent; error: unknown }>;
  /** Events neither written nor proven poison (the store failed on everything after them): keep them, in order. */
  kept: JournalEvent[];
}

/**
 * After `events` failed to write as one batch: writes each half, and splits a half that fails again,
 * down to single events, so one event the store refuses (a poison event) costs only itself. An event
 * that fails alone counts as poison only once a later write succeeds; when writes keep failing
 * (more in a row than the depth of the split allows for one or two bad events) the store itself is
 * failing and the rest is kept untried. Order is kept: halves are written left to right.
 */
export async function writeInHalves(events: JournalEvent[], error: unknown, append: (events: JournalEvent[]) => Promise<void>): Promise<SplitResult> {
  const result: SplitResult = { written: 0, poison: [], kept: [] };
  // Reaching one bad event takes one failed write per level; two adjacent bad events one more.
  const limit = Math.ceil(Math.log2(Math.max(2, events.length))) + 3;
  let failedInARow = 1;
  let suspects: SplitResult['poison'] = [];
  const untried: JournalEvent[] = [];

  const attempt = async (part: JournalEvent[]): Promise<{ error: unknown } | undefined> => {
    try {
      await append(part);
    } catch (err) {
      failedInARow++;
      return { error: err };
    }
    failedInARow = 0;
    result.written += part.length;
    result.poison.push(...suspects);
    suspects = [];
    return undefined;
  };

  const split = async (part: JournalEvent[], partError: unknown): Promise<void> => {
    if (part.length === 1) return void suspects.push({ event: part[0], error: partError });
    const mid = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, mid), part.slice(mid)]) {
      if (failedInARow > limit) {
        untried.push(...half);
        continue;
      }
      const failed = await attempt(half);
      if (failed) await split(half, failed.error);
    }
  };

  await split(events, error);
  // Suspects left are those after the last successful write; the untried part comes after them.
  result.kept = [...suspects.map((s) => s.event), ...untried];
  return result;
}

/** The message an event belongs to, for logs. */
export function messageIdOf(event: JournalEvent): string {
  return event.kind === 'hop' ? event.messageId : event.message.id;
}
