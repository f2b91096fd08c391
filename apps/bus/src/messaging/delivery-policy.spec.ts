// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { BusHeaders } from '@bus/canonical-model';
import { attemptsOf, decide, faultHeaders, MAX_FAULT_MESSAGE, outcomeOfThrown, type Decision, type Outcome } from './delivery-policy';

const policy = { immediateRetries: 2, redeliveryDelaysMs: [1000, 10_000, 60_000] };
const transient: Outcome = { kind: 'retry', error: { code: 'DELIVERY.TRANSIENT', message: '503 from billing' } };
const permanent: Outcome = { kind: 'deadLetter', error: { code: 'DELIVERY.REJECTED', message: '422 from billing' } };

describe(decide.name, () => {
  it.each<[string, Outcome, number, number, Decision]>([
    ['ack a delivered message', { kind: 'ack' }, 0, 0, { action: 'ack' }],
    ['ack a delivered message on a redelivery', { kind: 'ack' }, 2, 1, { action: 'ack' }],
    ['retry in process first', transient, 0, 0, { action: 'retry-now' }],
    ['retry in process until the immediate retries are used', transient, 0, 1, { action: 'retry-now' }],
    ['redeliver through the first retry queue after the immediate retries', transient, 0, 2, { action: 'redeliver', retryIndex: 0, delayMs: 1000 }],
    ['retry in process again on a redelivery', transient, 1, 0, { action: 'retry-now' }],
    ['redeliver through retry queue i = attempts so far', transient, 1, 2, { action: 'redeliver', retryIndex: 1, delayMs: 10_000 }],
    ['redeliver through the last retry queue', transient, 2, 2, { action: 'redeliver', retryIndex: 2, delayMs: 60_000 }],
    ['dead-letter when the delays are used up', transient, 3, 2, { action: 'dead-letter' }],
    ['dead-letter a permanent error at once', permanent, 0, 0, { action: 'dead-letter' }],
    ['dead-letter a permanent error on a redelivery', permanent, 1, 0, { action: 'dead-letter' }],
  ])('should %s', (_name, outcome, attempts, immediateRetriesDone, expected) => {
    expect(decide(outcome, { attempts, immediateRetriesDone }, policy)).toEqual(expected);
  });

  it('should redeliver without in-process retries when immediateRetries is 0', () => {
    expect(decide(transient, { attempts: 0, immediateRetriesDone: 0 }, { immediateRetries: 0, redeliveryDelaysMs: [100] })).toEqual({
      action: 'redeliver',
      retryIndex: 0,
      delayMs: 100,
    });
  });

  it('should dead-letter after the immediate retries when there are no delays', () => {
    expect(decide(transient, { attempts: 0, immediateRetriesDone: 1 }, { immediateRetries: 1, redeliveryDelaysMs: [] })).toEqual({ action: 'dead-letter' });
  });
});

describe(faultHeaders.name, () => {
  const now = new Date('2026-11-28T10:00:00.000Z');
  const fault = { code: 'DELIVERY.TRANSIENT', message: 'timeout after 5000 ms' };

  it('should count the attempt and describe the fault', () => {
    const sut = faultHeaders({ [BusHeaders.SOURCE]: 'sales' }, fault, { destination: 'billing', attempts: 0, adapter: 'http', now });
    expect(sut).toEqual({
      [BusHeaders.SOURCE]: 'sales',
      [BusHeaders.ATTEMPTS]: 1,
      [BusHeaders.DESTINATION]: 'billing',
      [BusHeaders.FAULT_CODE]: 'DELIVERY.TRANSIENT',
      [BusHeaders.FAULT_MESSAGE]: 'timeout after 5000 ms',
      [BusHeaders.FAULT_ADAPTER]: 'http',
      [BusHeaders.FIRST_FAILED_AT]: '2026-11-28T10:00:00.000Z',
    });
  });

  it('should keep the first failure time of an earlier attempt', () => {
    const sut = faultHeaders({ [BusHeaders.FIRST_FAILED_AT]: '2026-11-28T09:00:00.000Z', [BusHeaders.ATTEMPTS]: 2 }, fault, { destination: 'billing', attempts: 2, now });
    expect(sut[BusHeaders.FIRST_FAILED_AT]).toBe('2026-11-28T09:00:00.000Z');
    expect(sut[BusHeaders.ATTEMPTS]).toBe(3);
  });

  it('should prefer the adapter the fault names', () => {
    const sut = faultHeaders({}, { ...fault, adapter: 'smtp' }, { destination: 'mail', attempts: 0, adapter: 'http', now });
    expect(sut[BusHeaders.FAULT_ADAPTER]).toBe('smtp');
  });

  it('should drop routing and dead-lettering headers the copy must not carry', () => {
    const sut = faultHeaders({ CC: ['archive'], BCC: ['x'], 'x-death': [{}], 'x-first-death-queue': 'q', keep: 1 }, fault, { destination: 'billing', attempts: 0, now });
    expect(Object.keys(sut)).not.toEqual(expect.arrayContaining(['CC']));
    expect(sut).not.toHaveProperty('BCC');
    expect(sut).not.toHaveProperty('x-death');
    expect(sut).not.toHaveProperty('x-first-death-queue');
    expect(sut.keep).toBe(1);
  });

  it('should give a dead-letter copy its id, and never pass an earlier copy id on', () => {
    const dead = faultHeaders({}, fault, { destination: 'billing', attempts: 0, now, deadLetterId: 'dl-1' });
    const retried = faultHeaders({ [BusHeaders.DEAD_LETTER_ID]: 'dl-0' }, fault, { destination: 'billing', attempts: 0, now });
    expect(dead[BusHeaders.DEAD_LETTER_ID]).toBe('dl-1');
    expect(retried).not.toHaveProperty(BusHeaders.DEAD_LETTER_ID);
  });

  it('should shorten a very long fault message', () => {
    const sut = faultHeaders({}, { code: 'X.Y', message: 'e'.repeat(10_000) }, { destination: 'billing', attempts: 0, now });
    expect(String(sut[BusHeaders.FAULT_MESSAGE]).length).toBe(MAX_FAULT_MESSAGE + 1);
  });
});

describe(attemptsOf.name, () => {
  it.each<[unknown, number]>([
    [undefined, 0],
    [0, 0],
    [3, 3],
    ['2', 2],
    ['garbage', 0],
    [-1, 0],
  ])('should read x-bus-attempts %p as %i', (value, expected) => {
    expect(attemptsOf(value === undefined ? {} : { [BusHeaders.ATTEMPTS]: value })).toBe(expected);
  });
});

describe(outcomeOfThrown.name, () => {
  it('should treat an unexpected throw as transient', () => {
    expect(outcomeOfThrown(new TypeError('x is undefined'), 'DELIVERY.TRANSIENT')).toEqual({
      kind: 'retry',
      error: { code: 'DELIVERY.TRANSIENT', message: 'x is undefined' },
    });
  });

  it('should dead-letter a thrown error that says it is not retryable', () => {
    const err = Object.assign(new Error('422'), { code: 'DELIVERY.REJECTED', retryable: false });
    expect(outcomeOfThrown(err, 'DELIVERY.TRANSIENT')).toEqual({ kind: 'deadLetter', error: { code: 'DELIVERY.REJECTED', message: '422' } });
  });
});
