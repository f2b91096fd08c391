import { addAdminRoutes } from '../shared/admin.routes';
import { BusLink, type OutboxEntry } from '../shared/bus-link';
import { Chaos } from '../shared/chaos';
import { MonotonicClock } from '../shared/clock';
import { Router } from '../shared/http-kit';
import { IdempotencyCache } from '../shared/idempotency';
import { serve } from '../shared/stand-in.server';
import { salesError, salesRoutes } from './sales.routes';
import { SalesStore } from './sales.store';

export interface SalesOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bus base URL, e.g. `http://127.0.0.1:3000`; events go to `{busUrl}/adapters/{busSystem}/messages`. */
  busUrl?: string;
  /** Sent as `X-Api-Key`. */
  apiKey?: string;
  /** The system's name in bus.yaml. @default 'sales' */
  busSystem?: string;
  /** For tests that need fixed timestamps. */
  now?: () => Date;
}

/** A running Sales CRM stand-in and what tests may look at. */
export interface RunningSales {
  url: string;
  store: SalesStore;
  /** Events posted (or being posted) to the bus. */
  outbox(): readonly OutboxEntry[];
  /** Resolves when every event so far has been sent to the bus or has failed. */
  settled(): Promise<void>;
  chaos: Chaos;
  /** Posts and asks to this bus from now on (busUrl as in the options; apiKey defaults to the one given at start). */
  useBus(busUrl: string, apiKey?: string): void;
  /** Status updates answered from the idempotency cache rather than applied again. */
  replayed(): number;
  close(): Promise<void>;
}

export async function startSales(options: SalesOptions = {}): Promise<RunningSales> {
  const store = new SalesStore(new MonotonicClock(options.now));
  const bus = new BusLink({ busUrl: options.busUrl, system: options.busSystem ?? 'sales', apiKey: options.apiKey });
  const chaos = new Chaos();
  const idempotency = new IdempotencyCache();
  const router = salesRoutes(new Router(), { store, bus, idempotency });
  addAdminRoutes(router, chaos, bus);
  const server = await serve(router, chaos, salesError, options.port, options.host);
  return {
    url: server.url,
    store,
    outbox: () => bus.outbox,
    settled: () => bus.settled(),
    chaos,
    useBus: (busUrl, apiKey) => bus.useBus(busUrl, apiKey),
    replayed: () => idempotency.replayed,
    close: async () => {
      await server.close();
      await bus.close();
    },
  };
}
