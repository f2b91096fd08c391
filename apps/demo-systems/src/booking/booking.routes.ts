import { json } from '../shared/admin.routes';
import type { BusLink } from '../shared/bus-link';
import { header, type Reply, type Router } from '../shared/http-kit';
import type { IdempotencyCache } from '../shared/idempotency';
import type { BookingStore } from './booking.store';
import type { BookingEvent, Reservation } from './booking.types';
import { readReservation } from './booking.validation';

/** The desk's error body: `{ "status": "error", "message": … }`. */
export const bookingError = (status: number, message: string): Reply => json(status, { status: 'error', message });

export interface BookingDeps {
  store: BookingStore;
  bus: BusLink;
  idempotency: IdempotencyCache;
}

/** Posts the reservation's own JSON with `event` added; one key per reservation and event. */
export function publishReservation(bus: BusLink, event: BookingEvent, r: Reservation): void {
  bus.post(event, r.reservationNo, `${r.reservationNo}:${event}`, JSON.stringify({ event, ...r }), 'application/json');
}

export function bookingRoutes(router: Router, { store, bus, idempotency }: BookingDeps): Router {
  return router
    .on('POST', '/reservations', (req) =>
      idempotency.run(header(req, 'Idempotency-Key'), 'POST /reservations', async () => {
        const reservation = store.create(readReservation(req.body));
        publishReservation(bus, 'ReservationConfirmed', reservation);
        return json(201, reservation, { Location: `/reservations/${reservation.reservationNo}` });
      }),
    )
    .on('GET', '/reservations', () => json(200, { reservations: store.list() }))
    .on('GET', '/reservations/:no', (req) => json(200, store.get(req.params.no)));
}
