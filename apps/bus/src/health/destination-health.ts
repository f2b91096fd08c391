/** What one delivery attempt that failed tells about its destination. */
export interface FailedAttempt {
  /** Error code (`AREA.REASON`). */
  code: string;
  message: string;
  /** The destination's HTTP status, when it answered. */
  statusCode?: number;
}

export interface DestinationHealthOptions {
  /** Attempts remembered per destination. @default 10 */
  attempts?: number;
  /** Attempts older than this do not count. @default 300000 (5 min) */
  windowMs?: number;
  /** Failed attempts among the remembered ones that make a destination degraded. @default 3 */
  threshold?: number;
  now?: () => number;
}

export interface DestinationReport {
  state: 'up' | 'degraded';
  /** Attempts in the window, and how many of them failed. */
  attempts: number;
  failed: number;
  lastFailure?: FailedAttempt & { at: string };
  /** Why it is degraded, in words an operator can act on. */
  detail?: string;
}

type Outcome = { at: number; failure?: FailedAttempt };

/**
 * A destination's health from what its deliveries met, not from a probe: a TCP connect says nothing
 * of a server that answers 500 to every message. Degraded when its latest attempt failed and at least
 * `threshold` of its recent attempts did; the first 2xx makes it up again. Only failures that say
 * something about the destination count (5xx, timeouts, refused connections: the retryable ones), not
 * a message it rejected or one that did not map.
 */
export class DestinationHealth {
  private readonly recent = new Map<string, Outcome[]>();
  private readonly size: number;
  private readonly windowMs: number;
  private readonly threshold: number;
  private readonly now: () => number;

  constructor(options: DestinationHealthOptions = {}) {
    this.size = options.attempts ?? 10;
    this.windowMs = options.windowMs ?? 300_000;
    this.threshold = Math.min(options.threshold ?? 3, this.size);
    this.now = options.now ?? Date.now;
  }

  succeeded(system: string): void {
    this.push(system, { at: this.now() });
  }

  failed(system: string, failure: FailedAttempt): void {
    this.push(system, { at: this.now(), failure });
  }

  /** Undefined when the destination had no attempt in the window. */
  report(system: string): DestinationReport | undefined {
    const since = this.now() - this.windowMs;
    const outcomes = (this.recent.get(system) ?? []).filter((o) => o.at >= since);
    if (outcomes.length === 0) return undefined;
    const failures = outcomes.filter((o) => o.failure);
    const latest = outcomes[outcomes.length - 1];
    const lastFailed = failures[failures.length - 1];
    const lastFailure = lastFailed ? { ...lastFailed.failure!, at: new Date(lastFailed.at).toISOString() } : undefined;
    const degraded = Boolean(latest.failure) && failures.length >= this.threshold;
    return {
      state: degraded ? 'degraded' : 'up',
      attempts: outcomes.length,
      failed: failures.length,
      lastFailure,
      detail: degraded ? describe(system, failures.length, outcomes.length, lastFailure!) : undefined,
    };
  }

  /** Every destination with an attempt in the window. */
  systems(): string[] {
    return [...this.recent.keys()].filter((s) => this.report(s));
  }

  private push(system: string, outcome: Outcome): void {
    let list = this.recent.get(system);
    if (!list) this.recent.set(system, (list = []));
    list.push(outcome);
    if (list.length > this.size) list.shift();
  }
}

function describe(system: string, failed: number, attempts: number, last: FailedAttempt & { at: string }): string {
  const answer = last.statusCode ? `HTTP ${last.statusCode}` : last.code;
  return `${failed} of the last ${attempts} deliveries to ${system} failed (latest at ${last.at}: ${answer}: ${last.message}). Messages wait in its queue and are retried; check the system.`;
}
