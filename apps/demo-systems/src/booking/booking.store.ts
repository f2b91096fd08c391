import { HttpError } from '../shared/http-kit';
import { deskTimestamp, utcOffsetOfLocal } from './booking.time';
import type { Reservation, ReservationInput } from './booking.types';

/** Reservations in memory; numbers `R-<year>-000001`. */
export class BookingStore {
  private readonly reservations = new Map<string, Reservation>();
  private counter = 0;

  constructor(
    private readonly timeZone: string,
    private readonly now: () => Date,
  ) {}

  create(input: ReservationInput): Reservation {
    const now = this.now();
    const reservationNo = `R-${now.getUTCFullYear()}-${String(++this.counter).padStart(6, '0')}`;
    const reservation: Reservation = {
      reservationNo,
      customerRef: input.customerRef,
      ...(input.subject ? { subject: input.subject } : {}),
      date: input.date,
      time: input.time,
      utcOffset: utcOffsetOfLocal(input.date, input.time, this.timeZone),
      durationMin: input.durationMin,
      attendees: input.attendees,
      // A PIN from the counter: unique per desk, and stable for tests.
      dialIn: { pin: input.dialIn?.pin ?? String(100000 + ((this.counter * 7919) % 900000)), recording: input.dialIn?.recording ?? false },
      status: 'confirmed',
      bookedAt: deskTimestamp(now, this.timeZone),
    };
    this.reservations.set(reservationNo, reservation);
    return reservation;
  }

  get(no: string): Reservation {
    const found = this.reservations.get(no);
    if (!found) throw new HttpError(404, `reservation ${no} does not exist`);
    return found;
  }

  list(): Reservation[] {
    return [...this.reservations.values()];
  }
}
