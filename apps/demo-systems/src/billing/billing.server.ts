import { addAdminRoutes } from '../shared/admin.routes';
import { BusLink, type OutboxEntry } from '../shared/bus-link';
import { Chaos } from '../shared/chaos';
import { Router } from '../shared/http-kit';
import { IdempotencyCache } from '../shared/idempotency';
import { serve } from '../shared/stand-in.server';
import { billingRoutes } from './billing.routes';
import { BillingStore } from './billing.store';
import { billingError } from './billing.xml';

export interface BillingOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bus base URL, e.g. `http://127.0.0.1:3000`; events go to `{busUrl}/adapters/{busSystem}/messages`. */
  busUrl?: string;
  /** Sent as `X-Api-Key`. */
  apiKey?: string;
  /** The system's name in bus.yaml. @default 'billing' */
  busSystem?: string;
  /** Billing's clock (default period month, invoice dates); tests pass a fixed one. */
  now?: () => Date;
}

/** A running Billing stand-in and what tests may look at. */
export interface RunningBilling {
  url: string;
  store: BillingStore;
  outbox(): readonly OutboxEntry[];
  settled(): Promise<void>;
  chaos: Chaos;
  /** Posts and asks to this bus from now on (busUrl as in the options; apiKey defaults to the one given at start). */
  useBus(busUrl: string, apiKey?: string): void;
  /** Requests answered from the idempotency cache rather than applied again. */
  replayed(): number;
  close(): Promise<void>;
}

export async function startBilling(options: BillingOptions = {}): Promise<RunningBilling> {
  const store = new BillingStore(options.now ?? (() => new Date()));
  const bus = new BusLink({ busUrl: options.busUrl, system: options.busSystem ?? 'billing', apiKey: options.apiKey });
  const chaos = new Chaos();
  const idempotency = new IdempotencyCache();
  const router = billingRoutes(new Router(), { store, bus, idempotency });
  addAdminRoutes(router, chaos, bus);
  const server = await serve(router, chaos, billingError, options.port, options.host);
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
