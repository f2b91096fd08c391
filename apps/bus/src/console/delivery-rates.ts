import type { Registry } from 'prom-client';

/** How often the counters are sampled, and how far back a rate looks. */
const SAMPLE_MS = 10_000;
const WINDOW_MS = 60_000;

type Totals = Record<string, { delivered: number; failed: number }>;

/**
 * Delivered and failed deliveries per minute per destination, for the console's overview: samples
 * the bus's own Prometheus counters (bus_messages_delivered_total, bus_delivery_attempts_failed_total)
 * every 10 s and answers the rate over the last minute, so no second set of counters is kept.
 */
export class DeliveryRates {
  private readonly samples: Array<{ at: number; totals: Totals }> = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly registry: Registry) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Per destination: deliveries and failed attempts per minute, over the last minute (or since start). */
  async perMinute(): Promise<Record<string, { delivered: number; failed: number }>> {
    const now = { at: Date.now(), totals: await this.totals() };
    const base = this.samples.find((s) => now.at - s.at <= WINDOW_MS + SAMPLE_MS) ?? now;
    const minutes = Math.max((now.at - base.at) / 60_000, 1 / 60);
    const out: Record<string, { delivered: number; failed: number }> = {};
    for (const [system, t] of Object.entries(now.totals)) {
      const b = base.totals[system] ?? { delivered: 0, failed: 0 };
      out[system] = { delivered: round((t.delivered - b.delivered) / minutes), failed: round((t.failed - b.failed) / minutes) };
    }
    return out;
  }

  private async sample(): Promise<void> {
    this.samples.push({ at: Date.now(), totals: await this.totals() });
    while (this.samples.length > 0 && Date.now() - this.samples[0].at > WINDOW_MS + 2 * SAMPLE_MS) this.samples.shift();
  }

  private async totals(): Promise<Totals> {
    const totals: Totals = {};
    const add = async (metric: string, field: 'delivered' | 'failed') => {
      const values = (await this.registry.getSingleMetric(metric)?.get())?.values ?? [];
      for (const v of values) {
        const system = String(v.labels.system);
        totals[system] ??= { delivered: 0, failed: 0 };
        totals[system][field] += v.value;
      }
    };
    await add('bus_messages_delivered_total', 'delivered');
    await add('bus_delivery_attempts_failed_total', 'failed');
    return totals;
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
