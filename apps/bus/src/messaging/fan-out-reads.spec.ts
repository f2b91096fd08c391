import type * as amqp from 'amqplib';
import { BUNDLE_CONTENT_TYPE, encodeBundle, type BundleRecord } from './bundle';
import { FanOutReads } from './fan-out-reads';

const records: BundleRecord[] = [
  { props: { messageId: 'm-1', type: 'customer.updated' }, headers: { 'x-bus-source': 'crm' }, json: JSON.stringify({ id: 'm-1', payload: { name: 'Acme', lines: [{ n: 1 }] } }) },
  { props: { messageId: 'm-2', type: 'customer.updated' }, headers: { 'x-bus-source': 'crm' }, json: JSON.stringify({ id: 'm-2', payload: { name: 'Beta' } }) },
];

/** The copy of one publish that `queue`'s consumer gets: its own delivery tag, the same bytes. */
const copy = (content: Buffer, deliveryTag: number, cc: string[], messageId = 'b-1'): amqp.Message =>
  ({
    content: Buffer.from(content),
    fields: { deliveryTag, redelivered: false, exchange: 'bus.deliver', routingKey: 'billing' },
    properties: { messageId, contentType: BUNDLE_CONTENT_TYPE, headers: { 'x-bus-bundle': 2, ...(cc.length ? { CC: cc } : {}) } },
  }) as unknown as amqp.Message;

const single = (json: string, deliveryTag: number, cc: string[]): amqp.Message =>
  ({ content: Buffer.from(json), fields: { deliveryTag }, properties: { messageId: 'm-9', contentType: 'application/json', headers: cc.length ? { CC: cc } : {} } }) as unknown as amqp.Message;

const noWarning = (err: Error) => {
  throw err;
};

describe('FanOutReads', () => {
  const body = encodeBundle(records);

  it('should parse a bundle fanned out to three queues once, each copy keeping its own delivery tag', () => {
    const sut = new FanOutReads();

    const [a, b, c] = [copy(body, 1, ['crm', 'archive']), copy(body, 2, ['crm', 'archive']), copy(body, 3, ['crm', 'archive'])].map((m) => sut.read(m, noWarning));

    expect(a.map((r) => r.envelope?.id)).toEqual(['m-1', 'm-2']);
    expect(b[0].envelope).toBe(a[0].envelope);
    expect(c[1].envelope).toBe(a[1].envelope);
    expect([a, b, c].map((rs) => rs.map((r) => r.msg.fields.deliveryTag))).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(b[0].msg.properties).toMatchObject({ messageId: 'm-1', type: 'customer.updated', headers: { 'x-bus-source': 'crm' } });
  });

  it('should freeze what copies share, so changing it fails instead of changing another destination', () => {
    const [first] = new FanOutReads().read(copy(body, 1, ['crm']), noWarning);

    expect(() => {
      (first.envelope!.payload as { lines: Array<{ n: number }> }).lines[0].n = 2;
    }).toThrow(TypeError);
    expect(() => {
      first.msg.properties.headers!['x-bus-source'] = 'other';
    }).toThrow(TypeError);
  });

  it('should parse anew once every copy was read, and when the bytes under the same id differ', () => {
    const sut = new FanOutReads();
    const first = sut.read(copy(body, 1, ['crm']), noWarning);
    const second = sut.read(copy(body, 2, ['crm']), noWarning);

    const again = sut.read(copy(body, 3, ['crm']), noWarning);
    const changed = sut.read(copy(encodeBundle([records[1], records[0]]), 4, ['crm']), noWarning);
    const changedCopy = sut.read(copy(encodeBundle([records[1], records[0]]), 5, ['crm']), noWarning);

    expect(second[0].envelope).toBe(first[0].envelope);
    expect(again[0].envelope).not.toBe(first[0].envelope);
    expect(again[0].envelope).toEqual(first[0].envelope);
    expect(changed.map((r) => r.envelope?.id)).toEqual(['m-2', 'm-1']);
    expect(changedCopy[0].envelope).toBe(changed[0].envelope);
  });

  it("should tell every copy's consumer why a body did not read as a bundle, and hand each copy on whole", () => {
    const sut = new FanOutReads();
    const heard: string[] = [];
    const broken = Buffer.from('{"p":{}}');

    const [a, b] = [copy(broken, 1, ['crm']), copy(broken, 2, ['crm'])].map((m) => sut.read(m, (err) => heard.push(err.message)));

    expect(heard).toEqual(['bundle b-1: record 1 is cut short at byte 0', 'bundle b-1: record 1 is cut short at byte 0']);
    expect([a.length, b.length, a[0].msg.fields.deliveryTag, b[0].msg.fields.deliveryTag]).toEqual([1, 1, 1, 2]);
    expect(b[0].envelope).toBe(a[0].envelope);
  });

  it('should keep at most maxEntries unread fan-outs, the oldest leaving first', () => {
    const sut = new FanOutReads(undefined, 2);
    const firstOf = (id: string) => sut.read(copy(body, 1, ['crm'], id), noWarning)[0].envelope;
    const [b1, b2, b3] = [firstOf('b-1'), firstOf('b-2'), firstOf('b-3')];

    expect(firstOf('b-3')).toBe(b3);
    expect(firstOf('b-2')).toBe(b2);
    expect(firstOf('b-1')).not.toBe(b1);
  });

  it('should neither keep nor freeze a message for one destination, and read a body that is not JSON as no envelope', () => {
    const sut = new FanOutReads();
    const json = JSON.stringify({ id: 'm-9', payload: { name: 'Acme' } });

    const [first] = sut.read(single(json, 1, []), noWarning);
    const [second] = sut.read(single(json, 2, []), noWarning);
    const [fanned] = sut.read(single(json, 3, ['crm']), noWarning);
    const [unreadable] = sut.read(single('not json', 4, ['crm']), noWarning);

    expect(second.envelope).not.toBe(first.envelope);
    expect(Object.isFrozen(first.envelope)).toBe(false);
    expect(fanned.msg.fields.deliveryTag).toBe(3);
    expect(fanned.envelope).toEqual({ id: 'm-9', payload: { name: 'Acme' } });
    expect(unreadable.envelope).toBeUndefined();
  });
});
