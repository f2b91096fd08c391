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
  /** requests per second over all connections (latency run) */
  overallRate?: number;
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

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  let n = 0;
  let firstAcceptedAt = NaN;
  let lastAnswerAt = NaN;
  const statuses: Record<string, number> = {};
  const startedAt = nowMs();
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: o.url,
      connections: o.connections,
      pipelining: 1,
      timeout: 30,
      ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationS }),
      ...(o.overallRate !== undefined ? { overallRate: o.overallRate } : {}),
      requests: [
        {
          method: 'POST',
          headers: o.headers,
          setupRequest: (req: any) => ({ ...req, body: o.body(n++, nowMs()) }),
        },
      ],
    }, (err: Error | null, result: any) => {
      if (err) return reject(err);
      const endedAt = Number.isNaN(lastAnswerAt) ? nowMs() : lastAnswerAt;
      const accepted = statuses['202'] ?? 0;
      resolve({
        sent: n,
        accepted,
        refused: Object.entries(statuses).filter(([s]) => s !== '202').reduce((a, [, c]) => a + c, 0),
        errors: (result.errors ?? 0) + (result.timeouts ?? 0),
        startedAt,
        firstAcceptedAt,
        endedAt,
        acceptedPerSecond: accepted / ((endedAt - startedAt) / 1000),
        statuses,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number) => {
      const at = nowMs();
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode === 202 && Number.isNaN(firstAcceptedAt)) firstAcceptedAt = at;
      lastAnswerAt = at;
    });
  });
}
