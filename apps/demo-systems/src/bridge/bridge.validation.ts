import { HttpError } from '../shared/http-kit';
import type { BridgeParticipant, ConferenceRequest, SimulateCallRequest } from './bridge.types';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

const parseObject = (body: string): Record<string, unknown> => {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw new HttpError(400, `body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
};

const str = (o: Record<string, unknown>, k: string, required = true): string | undefined => {
  const v = o[k];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !v.trim()) throw new HttpError(400, `${k} must be a non-empty string`);
  return v;
};

/** Checks a provisioning request the way the bridge's API does: every problem is a 400 naming the field. */
export function readConferenceRequest(body: string): ConferenceRequest {
  const o = parseObject(body);
  const start = str(o, 'start')!;
  if (!ISO_UTC.test(start) || Number.isNaN(Date.parse(start))) throw new HttpError(400, `start must be ISO-8601 UTC like 2026-12-03T09:00:00Z, got "${start}"`);
  const durationMin = o.durationMin;
  if (!Number.isInteger(durationMin) || (durationMin as number) < 1 || (durationMin as number) > 24 * 60) throw new HttpError(400, 'durationMin must be a whole number of minutes, 1 to 1440');
  const participantPin = str(o, 'participantPin', false);
  if (participantPin !== undefined && !/^\d{4,12}$/.test(participantPin)) throw new HttpError(400, 'participantPin must be 4 to 12 digits');
  if (typeof o.recording !== 'boolean') throw new HttpError(400, 'recording must be true or false');
  const participants = o.participants ?? [];
  if (!Array.isArray(participants)) throw new HttpError(400, 'participants must be an array');
  return {
    bookingRef: str(o, 'bookingRef')!,
    accountCode: str(o, 'accountCode')!,
    ...(str(o, 'title', false) ? { title: str(o, 'title', false) } : {}),
    start,
    durationMin: durationMin as number,
    ...(participantPin ? { participantPin } : {}),
    recording: o.recording,
    participants: participants.map((p, i) => {
      if (typeof p !== 'object' || p === null) throw new HttpError(400, `participants[${i}] must be an object`);
      const q = p as Record<string, unknown>;
      const out: BridgeParticipant = { name: str(q, 'name') ?? '' };
      if (typeof q.phone === 'string' && q.phone) out.phone = q.phone;
      if (typeof q.email === 'string' && q.email) out.email = q.email;
      return out;
    }),
  };
}

export function readSimulateCall(body: string): SimulateCallRequest {
  if (!body.trim()) return {};
  const o = parseObject(body) as SimulateCallRequest;
  if (o.calls !== undefined && !Array.isArray(o.calls)) throw new HttpError(400, 'calls must be an array');
  if (o.start !== undefined && Number.isNaN(Date.parse(o.start))) throw new HttpError(400, 'start must be an ISO-8601 time');
  if (o.extraLines !== undefined && (!Array.isArray(o.extraLines) || o.extraLines.some((l) => typeof l !== 'string' || l.includes('\n')))) {
    throw new HttpError(400, 'extraLines must be an array of single lines');
  }
  return o;
}
