import { FakeBus } from '../testing/fake-bus';
import { startBooking, type RunningBooking } from './booking.server';

const RESERVATION = {
  customerRef: '001Dm0000000001wtn',
  subject: 'Quarterly review',
  date: '2026-12-03',
  time: '10:00',
  durationMin: 60,
  attendees: [{ name: 'Ada Lovelace', email: 'ada@acme.example', phone: '+49 30 1112223' }],
  dialIn: { recording: true },
};

describe(startBooking.name, () => {
  let bus: FakeBus;
  let sut: RunningBooking;

  beforeEach(async () => {
    bus = await new FakeBus().start();
    sut = await startBooking({ busUrl: bus.url, apiKey: 'booking-key', now: () => new Date('2026-11-28T09:15:00.000Z') });
  });
  afterEach(async () => {
    await sut.close();
    await bus.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sut.url}/reservations`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('should confirm a reservation with its own number, local time and offset, and post it to the bus', async () => {
    const res = await post(RESERVATION);
    expect(res.status).toBe(201);
    const reservation = await res.json();
    expect(reservation).toMatchObject({ reservationNo: 'R-2026-000001', utcOffset: '+01:00', bookedAt: '2026-11-28T10:15:00+01:00', dialIn: { pin: expect.stringMatching(/^\d{6}$/), recording: true } });
    expect(res.headers.get('location')).toBe('/reservations/R-2026-000001');

    const sent = await bus.waitFor((r) => r.url === '/adapters/booking/messages');
    expect(sent.headers['x-api-key']).toBe('booking-key');
    expect(sent.headers['idempotency-key']).toBe('R-2026-000001:ReservationConfirmed');
    expect(JSON.parse(sent.body)).toEqual({ event: 'ReservationConfirmed', ...reservation });
  });

  it('should use the summer offset for a summer date', async () => {
    const reservation = await (await post({ ...RESERVATION, date: '2026-07-01' })).json();
    expect(reservation.utcOffset).toBe('+02:00');
  });

  it('should take a repeated post with the same Idempotency-Key once', async () => {
    await post(RESERVATION, { 'Idempotency-Key': 'k-1' });
    await post(RESERVATION, { 'Idempotency-Key': 'k-1' });
    expect(sut.store.list()).toHaveLength(1);
  });

  it.each([
    ['date must be YYYY-MM-DD', { ...RESERVATION, date: '03.12.2026' }],
    ['time must be HH:MM', { ...RESERVATION, time: '25:00' }],
    ['attendees must list at least one person', { ...RESERVATION, attendees: [] }],
    ['customerRef is required', { ...RESERVATION, customerRef: '' }],
    ['dialIn.pin must be 4 to 8 digits', { ...RESERVATION, dialIn: { pin: '12' } }],
  ])('should refuse a reservation with 400 in its own format: %s', async (message, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'error', message: expect.stringContaining(message) });
    expect(sut.outbox()).toEqual([]);
  });
});
