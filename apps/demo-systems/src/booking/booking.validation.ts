import { HttpError } from '../shared/http-kit';
import type { Attendee, ReservationInput } from './booking.types';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Checks a reservation the way the desk's form does; each problem is a 400 naming the field. */
export function readReservation(body: string): ReservationInput {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body) as Record<string, unknown>;
  } catch (e) {
    throw new HttpError(400, `body is not JSON: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new HttpError(400, 'body must be a JSON object');
  const text = (k: string) => {
    if (typeof o[k] !== 'string' || !(o[k] as string).trim()) throw new HttpError(400, `${k} is required`);
    return o[k] as string;
  };
  const date = text('date');
  if (!DATE.test(date) || Number.isNaN(Date.parse(date))) throw new HttpError(400, `date must be YYYY-MM-DD, got "${date}"`);
  const time = text('time');
  if (!TIME.test(time)) throw new HttpError(400, `time must be HH:MM, got "${time}"`);
  const durationMin = o.durationMin;
  if (!Number.isInteger(durationMin) || (durationMin as number) < 5 || (durationMin as number) > 600) throw new HttpError(400, 'durationMin must be 5 to 600 minutes');
  if (!Array.isArray(o.attendees) || o.attendees.length === 0) throw new HttpError(400, 'attendees must list at least one person');
  const attendees = o.attendees.map((a, i): Attendee => {
    const p = (a ?? {}) as Record<string, unknown>;
    if (typeof p.name !== 'string' || !p.name.trim()) throw new HttpError(400, `attendees[${i}].name is required`);
    return { name: p.name, ...(typeof p.email === 'string' ? { email: p.email } : {}), ...(typeof p.phone === 'string' ? { phone: p.phone } : {}) };
  });
  const dialIn = (o.dialIn ?? {}) as Record<string, unknown>;
  if (dialIn.pin !== undefined && (typeof dialIn.pin !== 'string' || !/^\d{4,8}$/.test(dialIn.pin))) throw new HttpError(400, 'dialIn.pin must be 4 to 8 digits');
  if (dialIn.recording !== undefined && typeof dialIn.recording !== 'boolean') throw new HttpError(400, 'dialIn.recording must be true or false');
  return {
    customerRef: text('customerRef'),
    ...(typeof o.subject === 'string' ? { subject: o.subject } : {}),
    date,
    time,
    durationMin: durationMin as number,
    attendees,
    dialIn: { pin: dialIn.pin as string | undefined, recording: dialIn.recording as boolean | undefined },
  };
}
