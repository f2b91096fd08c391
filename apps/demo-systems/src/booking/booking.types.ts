/** The booking desk's own vocabulary: reservations of conference calls. */

export interface Attendee {
  name: string;
  email?: string;
  phone?: string;
}

export interface DialInOptions {
  /** Participant PIN, 4 to 8 digits; the desk generates one when none is given. */
  pin: string;
  /** Record the call. */
  recording: boolean;
}

/**
 * A reservation as the desk stores it and posts it to the bus (with `event` added).
 * Customers are named by `customerRef`: the sales CRM's account id, the customer number every
 * system of this company shares (sales is the system of record for customers).
 */
export interface Reservation {
  /** `R-2026-000001`; assigned by the desk. */
  reservationNo: string;
  customerRef: string;
  subject?: string;
  /** Local date and time of the desk's office, `YYYY-MM-DD` and `HH:MM`. */
  date: string;
  time: string;
  /** The office's UTC offset on that date, `+01:00`; the desk adds it so the time is unambiguous. */
  utcOffset: string;
  durationMin: number;
  attendees: Attendee[];
  dialIn: DialInOptions;
  status: 'confirmed';
  /** ISO-8601 with offset. */
  bookedAt: string;
}

/** `POST /reservations` body. */
export type ReservationInput = Pick<Reservation, 'customerRef' | 'subject' | 'date' | 'time' | 'durationMin' | 'attendees'> & {
  dialIn?: Partial<DialInOptions>;
};

/** Events the desk posts to the bus. */
export type BookingEvent = 'ReservationConfirmed';
