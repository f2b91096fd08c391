import { Gauge, type Registry } from 'prom-client';

/** Destination -> dead letters not yet resolved; called on every scrape. */
export type DeadLetterCounter = () => Promise<Record<string, number>>;

/**
 * `bus_dead_letters{destination}`: dead letters waiting for an operator (`dead`, or being replayed),
 * read from the store at scrape time: the count `GET /admin/dead-letters?system=` lists, and what the
 * destination's broker dead-letter queue holds once reconciled. Refused inbound records count under
 * the system that sent them; they have no broker copy.
 */
export function registerDeadLetterGauge(registry: Registry, count: DeadLetterCounter, logger?: { warn(message: string): void }): Gauge<'destination'> {
  return new Gauge({
    name: 'bus_dead_letters',
    help: 'Dead letters not yet replayed or discarded, by destination system, read from the store at scrape time.',
    labelNames: ['destination'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [destination, n] of Object.entries(await count())) this.set({ destination }, n);
      } catch (err) {
        // A scrape must still answer when the store does not; the gauge is simply absent then.
        logger?.warn(`Dead-letter counts for /metrics could not be read: ${(err as Error)?.message ?? String(err)}`);
      }
    },
  });
}
