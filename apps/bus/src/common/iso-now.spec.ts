import { isoNow } from './iso-now';

describe('isoNow', () => {
  afterEach(() => jest.useRealTimers());

  it('should give the current time as ISO-8601, and a new text once the millisecond changes', () => {
    jest.useFakeTimers({ now: new Date('2026-12-07T08:00:00.000Z') });
    expect(isoNow()).toBe('2026-12-07T08:00:00.000Z');
    expect(isoNow()).toBe('2026-12-07T08:00:00.000Z');
    jest.setSystemTime(new Date('2026-12-07T08:00:00.001Z'));
    expect(isoNow()).toBe('2026-12-07T08:00:00.001Z');
    jest.setSystemTime(new Date('2026-12-07T07:59:59.999Z'));
    expect(isoNow()).toBe('2026-12-07T07:59:59.999Z');
  });
});
