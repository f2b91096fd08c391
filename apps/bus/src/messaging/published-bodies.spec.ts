import type { CanonicalEnvelope } from '@bus/canonical-model';
import { FanOutReads } from './fan-out-reads';
import { freezeIfJson } from './frozen-json';
import { PublishedBodies } from './published-bodies';

const envelope = (id: string, payload: unknown = { name: 'Acme', lines: [{ n: 1 }, { n: 2 }] }) =>
  ({ id, type: 'customer.updated', source: 'crm', correlationId: id, payload }) as unknown as CanonicalEnvelope;

const published = (id: string, payload?: unknown) => {
  const e = envelope(id, payload);
  return { envelope: e, json: JSON.stringify(e), content: Buffer.from(JSON.stringify(e)) };
};

describe('PublishedBodies', () => {
  it('should hand its own consumer the published envelope, frozen, when the bytes read are the text published', () => {
    const sut = new PublishedBodies();
    sut.consumes('erp');
    const { envelope: e, json, content } = published('m-1');

    sut.remember(e, ['erp'], json);
    const taken = sut.take('m-1', content);

    expect(taken).toBe(e);
    expect(Object.isFrozen(e) && Object.isFrozen((e.payload as { lines: object[] }).lines[1])).toBe(true);
    expect(sut.take('m-1', content)).toBeUndefined(); // taken once; a redelivery parses
  });

  it('should keep nothing for destinations this process does not consume, nor after its subscription ended', () => {
    const sut = new PublishedBodies();
    const end = sut.consumes('erp');
    const a = published('m-1');
    sut.remember(a.envelope, ['billing'], a.json);
    end();
    const b = published('m-2');
    sut.remember(b.envelope, ['erp'], b.json);

    expect(sut.take('m-1', a.content)).toBeUndefined();
    expect(sut.take('m-2', b.content)).toBeUndefined();
    expect(Object.isFrozen(a.envelope) || Object.isFrozen(b.envelope)).toBe(false);
  });

  it('should not hand over an envelope whose bytes differ from the ones read under its id', () => {
    const sut = new PublishedBodies();
    sut.consumes('erp');
    const { envelope: e, json } = published('m-1');
    sut.remember(e, ['erp'], json);

    expect(sut.take('m-1', Buffer.from(JSON.stringify(envelope('m-1', { name: 'Other' }))))).toBeUndefined();
  });

  it('should drop the oldest envelopes beyond its budget of text, and keep none bigger than a quarter of it', () => {
    const items = ['m-1', 'm-2', 'm-3', 'm-4', 'm-5'].map((id) => published(id));
    const big = published('m-6', { name: 'x'.repeat(items[0].json.length * 2) });
    const sut = new PublishedBodies(items[0].json.length * 4 + 10);
    sut.consumes('erp');
    for (const i of items) sut.remember(i.envelope, ['erp'], i.json);

    sut.remember(big.envelope, ['erp'], big.json);

    expect(items.map((i) => sut.take(i.envelope.id, i.content) !== undefined)).toEqual([false, true, true, true, true]);
    expect(sut.take('m-6', big.content)).toBeUndefined();
  });
});

describe('freezeIfJson', () => {
  const sequence = Object.assign([1, 2], { sequence: true });
  const cons = [1, 2];
  Object.defineProperty(cons, 'cons', { enumerable: false, value: true });

  it.each([
    ['an undefined field', { a: 1, b: undefined }],
    ['a Date', { at: new Date(0) }],
    ['NaN', { n: NaN }],
    ['-0', { n: -0 }],
    ['a hole in an array', { a: [1, , 3] }],
    ['a JSONata sequence', { a: sequence }],
    ['a JSONata array constructor', { a: cons }],
    ['a class instance', { a: new (class Rate {})() }],
    ['an object without prototype', { a: Object.create(null) }],
  ])('should leave a value holding %s unfrozen: parsing its text would give something else', (_what, value) => {
    expect(freezeIfJson(value)).toBe(false);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('should freeze plain JSON through and through', () => {
    const value = { a: [{ b: 'x' }, 1.5, null, true], c: { d: [] } };

    expect(freezeIfJson(value)).toBe(true);
    expect([value, value.a, value.a[0], value.c, value.c.d].every((o) => Object.isFrozen(o))).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
  });
});

describe('FanOutReads with what this process published', () => {
  it('should take a message published here instead of parsing it, and parse one it did not publish', () => {
    const bodies = new PublishedBodies();
    bodies.consumes('erp');
    const mine = published('m-1');
    const theirs = published('m-2');
    bodies.remember(mine.envelope, ['erp'], mine.json);
    const message = (p: typeof mine) => ({ content: p.content, fields: { deliveryTag: 1 }, properties: { messageId: p.envelope.id, contentType: 'application/json', headers: {} } }) as never;
    const sut = new FanOutReads(bodies);

    const [a] = sut.read(message(mine), () => undefined);
    const [b] = sut.read(message(theirs), () => undefined);

    expect(a.envelope).toBe(mine.envelope);
    expect(b.envelope).not.toBe(theirs.envelope);
    expect(b.envelope).toEqual(theirs.envelope);
  });
});
