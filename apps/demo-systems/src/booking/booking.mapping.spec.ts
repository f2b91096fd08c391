import { loadJsonataMapping, type SystemMapping } from '@bus/adapters';
import { validatePayload } from '@bus/canonical-model';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startBooking } from './booking.server';

const MAPPING = path.resolve(__dirname, '../../../../config/mappings/booking');
const FIXTURES = path.join(MAPPING, '__fixtures__');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const cases = readdirSync(FIXTURES).filter((n) => n.endsWith('.native.json')).map((n) => n.replace('.native.json', ''));

describe('config/mappings/booking', () => {
  let sut: SystemMapping;
  beforeAll(async () => {
    sut = await loadJsonataMapping(MAPPING);
  });

  it.each(cases)('should map the native sample %s to the expected conference.booked', async (name) => {
    const drafts = await sut.toCanonical(fixture(`${name}.native.json`));
    expect(drafts).toEqual(fixture(`${name}.canonical.json`));
    expect(drafts.map((d) => validatePayload(d.type, d.payload))).toEqual(drafts.map(() => []));
  });

  it('should map what the booking desk stand-in posts', async () => {
    const desk = await startBooking({ now: () => new Date('2026-11-28T09:15:00Z') });
    try {
      const res = await fetch(`${desk.url}/reservations`, {
        method: 'POST',
        body: JSON.stringify({ customerRef: '001Dm0000000001wtn', date: '2026-12-03', time: '10:00', durationMin: 45, attendees: [{ name: 'Ada' }] }),
      });
      const [draft] = await sut.toCanonical({ event: 'ReservationConfirmed', ...(await res.json()) });
      expect(draft.payload).toMatchObject({ startsAt: '2026-12-03T09:00:00.000Z', durationMinutes: 45, dialIn: { recording: false } });
      expect(validatePayload(draft.type, draft.payload)).toEqual([]);
    } finally {
      await desk.close();
    }
  });

  it('should refuse an event it does not know, naming the known ones', async () => {
    await expect(sut.toCanonical({ event: 'ReservationMoved' })).rejects.toThrow(/unknown event "ReservationMoved" \(known: ReservationConfirmed\)/);
  });
});
