// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { delayLabel, deliverExchange, queueNames, unroutedQueue } from './topology';

describe(queueNames.name, () => {
  it('should name a destination’s queues after the system', () => {
    const sut = queueNames('billing');
    expect(sut.work).toBe('bus.billing');
    expect(sut.deadLetter).toBe('bus.billing.dead-letter');
    expect(sut.query).toBe('bus.query.billing');
    expect(sut.retry(1000)).toBe('bus.billing.retry.1s');
  });

  it('should put the prefix in front of every name', () => {
    const sut = queueNames('billing', 'bus-test-1');
    expect([sut.work, sut.deadLetter, sut.query, sut.retry(100)]).toEqual([
      'bus-test-1.bus.billing',
      'bus-test-1.bus.billing.dead-letter',
      'bus-test-1.bus.query.billing',
      'bus-test-1.bus.billing.retry.100ms',
    ]);
    expect(deliverExchange('bus-test-1')).toBe('bus-test-1.bus.deliver');
    expect(unroutedQueue('bus-test-1')).toBe('bus-test-1.bus.unrouted');
  });

});

describe(delayLabel.name, () => {
  it.each([
    [100, '100ms'],
    [1000, '1s'],
    [1500, '1500ms'],
    [10_000, '10s'],
    [60_000, '1m'],
    [90_000, '90s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
  ])('should label a delay of %i ms as %s', (ms, label) => {
    expect(delayLabel(ms)).toBe(label);
  });

  it.each([0, -5, 1.5, Number.NaN])('should refuse a delay of %s', (ms) => {
    expect(() => delayLabel(ms)).toThrow(RangeError);
  });
});
