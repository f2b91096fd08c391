/**
 * The load generator: autocannon against an ingress URL, every request body made fresh with a
 * unique event id and the send stamp `sentAt` (epoch ms) that the sink measures latency from.
 */
import { nowMs } from './lib/stats';

// autocannon ships no type declarations; the options used here are documented in its README.
const autocannon = require('autocannon') as (opts: object, done: (err: Error | null, result: any) => void) => any;

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  /** Builds the body of request `n` sent at `sentAt`. */
  body: (n: number, sentAt: number) => string;
  connections: number;
  /** total requests; or `durationS` */
  amount?: number;
  durationS?: number;
}

export interface LoadResult {
  sent: number;
  accepted: number;
  refused: number;
  errors: number;
  startedAt: number;
  firstAcceptedAt: number;
  endedAt: number;
  /** accepted per second between the first request and the last answer */
  acceptedPerSecond: number;
  /** status codes other than 202 with their counts, for error messages */
  statuses: Record<string, number>;
  /** requests that got no answer, by error code (paced runs), for error messages */
  errorKinds?: Record<string, number>;
}

/** The answers of one load run as they come, and the LoadResult they add up to; both generators use it. */
export class AnswerTally {
  readonly startedAt = nowMs();
  private firstAcceptedAt = NaN;
  private lastAnswerAt = NaN;
  private readonly statuses: Record<string, number> = {};

  answered(statusCode: number): void {
    const at = nowMs();
    this.statuses[statusCode] = (this.statuses[statusCode] ?? 0) + 1;
    if (statusCode === 202 && Number.isNaN(this.firstAcceptedAt)) this.firstAcceptedAt = at;
    this.lastAnswerAt = at;
  }

  result(sent: number, errors: number, errorKinds?: Record<string, number>): LoadResult {
    const endedAt = Number.isNaN(this.lastAnswerAt) ? nowMs() : this.lastAnswerAt;
    const accepted = this.statuses['202'] ?? 0;
    return {
      sent,
      accepted,
      refused: Object.entries(this.statuses).filter(([s]) => s !== '202').reduce((a, [, c]) => a + c, 0),
      errors,
      startedAt: this.startedAt,
      firstAcceptedAt: this.firstAcceptedAt,
      endedAt,
      acceptedPerSecond: accepted / ((endedAt - this.startedAt) / 1000),
      statuses: this.statuses,
      ...(errorKinds ? { errorKinds } : {}),
    };
  }
}

/** Closed loop: each of `connections` sends its next request when the last is answered (throughput runs). */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const tally = new AnswerTally();
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: o.url,
      connections: o.connections,
      pipelining: 1,
      timeout: 30,
      ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationS }),
      requests: [
        {
          method: 'POST',
          headers: o.headers,
          setupRequest: (req: any) => ({ ...req, body: o.body(n++, nowMs()) }),
        },
      ],
    }, (err: Error | null, result: any) => {
      if (err) return reject(err);
      resolve(tally.result(n, (result.errors ?? 0) + (result.timeouts ?? 0)));
    });
    instance.on('response', (_client: unknown, statusCode: number) => tally.answered(statusCode));
  });
}
