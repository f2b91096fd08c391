/** The conference bridge's own vocabulary (its provisioning API and its Asterisk call records). */

/** One expected participant, as the bridge's provisioning API takes it. */
export interface BridgeParticipant {
  name: string;
  phone?: string;
  email?: string;
}

/** `POST /conferences` body: the bridge's provisioning request. */
export interface ConferenceRequest {
  /** The booking system's reference; the bridge writes it into every CDR's userfield. */
  bookingRef: string;
  /** Billing account of the conference; the bridge writes it into every CDR's accountcode. */
  accountCode: string;
  title?: string;
  /** Scheduled start, ISO-8601 in UTC (`2026-12-03T09:00:00Z`). */
  start: string;
  durationMin: number;
  /** 4 to 12 digits; the bridge makes one when none is given. */
  participantPin?: string;
  recording: boolean;
  participants: BridgeParticipant[];
}

/** A provisioned conference. */
export interface Conference extends ConferenceRequest {
  participantPin: string;
  /** `CONF-0001`; assigned by the bridge. */
  conferenceId: string;
  /** The number participants dial. */
  dialIn: string;
  status: 'scheduled' | 'held';
  createdAt: string;
}

/** One call leg to simulate; every field has a default. */
export interface SimulatedCall {
  /** Caller number. @default the participant's phone, else a generated one */
  src?: string;
  /** Caller name for the clid. */
  name?: string;
  /** Seconds after the conference start the call comes in. @default 0 */
  offsetSec?: number;
  /** Ringing before the bridge answers. @default 3 */
  ringSec?: number;
  /** Seconds in the conference. @default the booked duration */
  talkSec?: number;
  /** @default ANSWERED */
  disposition?: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED';
}

/** `POST /admin/simulate-call/{confId}` body (all optional). */
export interface SimulateCallRequest {
  /** @default one answered call per expected participant for the whole duration */
  calls?: SimulatedCall[];
  /** Calls start at this instant (ISO) instead of the scheduled start. */
  start?: string;
  /** Raw lines appended to the file as they are, for bad-row tests. */
  extraLines?: string[];
}
