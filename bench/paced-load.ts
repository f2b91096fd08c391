/**
 * The load generator of the latency runs: requests at an even pace, open loop.
 *
 * autocannon's `overallRate` gives each connection a quota per second and releases it at the start of
 * every second, so each connection sends back to back until its quota is used and then idles: the load
 * is a burst at full speed followed by a pause, and the latency of a pipeline that needs most of the
 * second for its quota is the queue of that burst. Here request n is due at `start + n / rate`, goes out
 * on a free keep-alive socket of `connections` (or waits for one), and its `sentAt` is the time it was
 * due, so a pipeline that answers late is charged for the wait (no coordinated omission).
 */
import * as http from 'node:http';
import { AnswerTally, type LoadOptions, type LoadResult } from './load';
import { nowMs } from './lib/stats';

export function runPacedLoad(o: Omit<LoadOptions, 'amount'> & { durationS: number; overallRate: number }): Promise<LoadResult> {
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const tally = new AnswerTally();
  const total = Math.round(o.overallRate * o.durationS);
  let sent = 0;
  let settledCount = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};

  return new Promise((resolve) => {
    const settled = () => {
      if (++settledCount < total) return;
      agent.destroy();
      resolve(tally.result(sent, errors, errorKinds));
    };
    const send = (n: number) => {
      const body = o.body(n, tally.startedAt + (n * 1000) / o.overallRate);
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...o.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            tally.answered(res.statusCode ?? 0);
            settled();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        errors++;
        const kind = err.code ?? err.message;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        settled();
      });
      req.end(body);
    };
    // Every millisecond tick sends what has fallen due since the last one.
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((nowMs() - tally.startedAt) * o.overallRate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (sent === total) clearInterval(tick);
    }, 1);
  });
}
