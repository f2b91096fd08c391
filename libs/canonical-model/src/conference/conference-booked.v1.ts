import { ConferenceBooking } from './conference-booking';

/** Payload of `conference.booked` v1: the booking desk has reserved a conference. */
export class ConferenceBookedV1 extends ConferenceBooking {}
