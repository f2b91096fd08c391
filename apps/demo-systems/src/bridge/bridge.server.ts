import { addAdminRoutes } from '../shared/admin.routes';
import { BusLink } from '../shared/bus-link';
import { Chaos } from '../shared/chaos';
import { Router } from '../shared/http-kit';
import { IdempotencyCache } from '../shared/idempotency';
import { serve } from '../shared/stand-in.server';
import { CdrWriter, type CdrWriteMode } from './bridge.cdr-writer';
import { bridgeError, bridgeRoutes } from './bridge.routes';
import { BridgeStore } from './bridge.store';

export interface BridgeOptions {
  /** Folder the CDR files are dropped into (the bus's file adapter reads it). */
  cdrDir: string;
  /** IANA zone the bridge's clock runs in; CDR times are written in it. @default 'Europe/Berlin' */
  timeZone?: string;
  /** How CDR files appear in cdrDir. @default 'rename' */
  cdrWriteMode?: CdrWriteMode;
  /** The number shown to participants. @default '+49 30 5555 8000' */
  dialIn?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  now?: () => Date;
}

/** A running conference bridge stand-in and what tests may look at. */
export interface RunningBridge {
  url: string;
  store: BridgeStore;
  chaos: Chaos;
  /** Provisioning requests answered from the idempotency cache. */
  replayed(): number;
  close(): Promise<void>;
}

/**
 * The conference bridge: takes provisioning requests (`POST /conferences`, JSON, answers 201 with
 * `CONF-xxxx` in Location and X-Resource-Id) and, after a call (`POST /admin/simulate-call/{id}`),
 * drops Asterisk Master.csv CDR files into `cdrDir`. It never talks to the bus itself.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const now = options.now ?? (() => new Date());
  const store = new BridgeStore(options.dialIn ?? '+49 30 5555 8000', now);
  const chaos = new Chaos();
  const idempotency = new IdempotencyCache();
  const cdr = new CdrWriter(options.cdrDir, options.cdrWriteMode ?? 'rename');
  const router = bridgeRoutes(new Router(), { store, cdr, idempotency, timeZone: options.timeZone ?? 'Europe/Berlin' });
  // The bridge posts nothing to the bus; the link only serves the shared GET /outbox (always empty).
  addAdminRoutes(router, chaos, new BusLink({ system: 'bridge' }));
  const server = await serve(router, chaos, bridgeError, options.port, options.host);
  return { url: server.url, store, chaos, replayed: () => idempotency.replayed, close: () => server.close() };
}
