import { addAdminRoutes } from '../shared/admin.routes';
import { BusLink, type OutboxEntry } from '../shared/bus-link';
import { Chaos } from '../shared/chaos';
import { Router } from '../shared/http-kit';
import { IdempotencyCache } from '../shared/idempotency';
import { serve } from '../shared/stand-in.server';
import { bookingError, bookingRoutes } from './booking.routes';
import { BookingStore } from './booking.store';

export interface BookingOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bus base URL; reservations go to `{busUrl}/adapters/{busSystem}/messages`. */
  busUrl?: string;
  /** Sent as `X-Api-Key`. */
  apiKey?: string;
  /** The system's name in bus.yaml. @default 'booking' */
  busSystem?: string;
  /** The office's IANA zone; dates and times of reservations are local to it. @default 'Europe/Berlin' */
  timeZone?: string;
  now?: () => Date;
}

/** A running booking desk stand-in and what tests may look at. */
export interface RunningBooking {
  url: string;
  store: BookingStore;
  outbox(): readonly OutboxEntry[];
  /** Resolves when every reservation so far has been posted to the bus or has failed. */
  settled(): Promise<void>;
  chaos: Chaos;
  close(): Promise<void>;
}

/** The booking desk: takes reservations (`POST /reservations`) and posts each one to the bus in its own JSON. */
export async function startBooking(options: BookingOptions = {}): Promise<RunningBooking> {
  const store = new BookingStore(options.timeZone ?? 'Europe/Berlin', options.now ?? (() => new Date()));
  const bus = new BusLink({ busUrl: options.busUrl, system: options.busSystem ?? 'booking', apiKey: options.apiKey });
  const chaos = new Chaos();
  const router = bookingRoutes(new Router(), { store, bus, idempotency: new IdempotencyCache() });
  addAdminRoutes(router, chaos, bus);
  const server = await serve(router, chaos, bookingError, options.port, options.host);
  return {
    url: server.url,
    store,
    outbox: () => bus.outbox,
    settled: () => bus.settled(),
    chaos,
    close: async () => {
      await server.close();
      await bus.close();
    },
  };
}
