import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { BUS_STORE, type BusStore, type WaitingMessages } from '../store/bus-store';

/** One route's objective (`slo:` in bus.yaml) against what its destinations hold now. */
export interface RouteObjectiveState {
  route: string;
  destinations: string[];
  maxAgeSeconds?: number;
  maxDeadLetters?: number;
  degradesReadiness: boolean;
  /** Age of the oldest message waiting at any of its destinations; 0 when none waits. */
  oldestAgeSeconds: number;
  deadLetters: number;
  ok: boolean;
  /** Why it is broken, for the overview and /health/ready. */
  problems: string[];
}

/** Reads are shared for this long: a scrape, a readiness probe and a console refresh at once cost one store read. */
const CACHE_MS = 2000;

/**
 * Evaluates every route's `slo:` from the journal (oldest waiting message per destination) and the
 * open dead letters per destination. A route's age and dead letters are the worst and the sum over
 * its destinations.
 */
@Injectable()
export class RouteObjectives {
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(
    private readonly config: ConfigService,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  /** Waiting messages and open dead letters per destination, as last read (at most CACHE_MS old). */
  snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const value = Promise.all([this.store.waitingByDestination(), this.store.countOpenDeadLetters()]).then(([waiting, deadLetters]) => ({ waiting, deadLetters, at: now }));
      // A failed read is not kept: the next caller tries again.
      value.catch(() => (this.cached = undefined));
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }

  async evaluate(): Promise<RouteObjectiveState[]> {
    const { waiting, deadLetters, at } = await this.snapshot();
    return this.config.active().config.routes.filter((r) => r.slo).map((route) => {
      const slo = route.slo!;
      const destinations = route.to.map((d) => d.system);
      const oldest = Math.min(...destinations.map((d) => (waiting[d] ? Date.parse(waiting[d].oldestReceivedAt) : at)));
      const oldestAgeSeconds = Math.max(0, (at - oldest) / 1000);
      const dead = destinations.reduce((sum, d) => sum + (deadLetters[d] ?? 0), 0);
      const problems: string[] = [];
      if (slo.maxAge !== undefined && oldestAgeSeconds * 1000 > slo.maxAge) problems.push(`oldest waiting message is ${Math.round(oldestAgeSeconds)} s old (objective ${slo.maxAge / 1000} s)`);
      if (slo.maxDeadLetters !== undefined && dead > slo.maxDeadLetters) problems.push(`${dead} dead letters (objective at most ${slo.maxDeadLetters})`);
      return {
        route: route.name,
        destinations,
        ...(slo.maxAge !== undefined ? { maxAgeSeconds: slo.maxAge / 1000 } : {}),
        ...(slo.maxDeadLetters !== undefined ? { maxDeadLetters: slo.maxDeadLetters } : {}),
        degradesReadiness: slo.degradesReadiness,
        oldestAgeSeconds,
        deadLetters: dead,
        ok: problems.length === 0,
        problems,
      };
    });
  }
}

export interface Snapshot {
  waiting: Record<string, WaitingMessages>;
  deadLetters: Record<string, number>;
  /** Epoch ms of the read. */
  at: number;
}
