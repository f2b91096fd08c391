import { isKnownTimeZone, localToUtc } from './local-time';

describe(localToUtc.name, () => {
  it.each([
    ['2026-11-28 10:00:00', 'Europe/Berlin', '2026-11-28T09:00:00.000Z'],
    ['2026-07-01 10:00:00', 'Europe/Berlin', '2026-07-01T08:00:00.000Z'],
    ['2026-11-28 10:00:00', 'UTC', '2026-11-28T10:00:00.000Z'],
    ['2026-11-28 10:00:00', 'America/New_York', '2026-11-28T15:00:00.000Z'],
    ['2026-01-01 00:30:00', 'Asia/Kolkata', '2025-12-31T19:00:00.000Z'],
    // 25 October 2026: 02:30 happens twice in Berlin; the first (summer time) is taken.
    ['2026-10-25 02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['2026-10-25 03:30:00', 'Europe/Berlin', '2026-10-25T02:30:00.000Z'],
  ])('should read %s in %s as %s', (local, zone, utc) => {
    expect(localToUtc(local, zone)).toBe(utc);
  });

  it('should refuse a time skipped when clocks go forward', () => {
    expect(() => localToUtc('2026-03-29 02:30:00', 'Europe/Berlin')).toThrow(/does not exist in Europe\/Berlin/);
  });

  it.each(['2026-11-28T10:00', '28.11.2026 10:00:00', '2026-02-30 10:00:00', '2026-11-28 24:00:00', ''])('should refuse %j', (text) => {
    expect(() => localToUtc(text, 'Europe/Berlin')).toThrow();
  });

  it('should know real zones only', () => {
    expect([isKnownTimeZone('Europe/Berlin'), isKnownTimeZone('Mars/Olympus')]).toEqual([true, false]);
  });
});
