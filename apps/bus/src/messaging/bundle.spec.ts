import type * as amqp from 'amqplib';
import { BUNDLE_CONTENT_TYPE, encodeBundle, fitsBundle, messagesIn, unbundle, type BundleRecord } from './bundle';

const bundleMessage = (content: Buffer): amqp.Message =>
  ({ content, fields: { deliveryTag: 7, redelivered: false, exchange: 'bus.deliver', routingKey: 'billing' }, properties: { messageId: 'b-1', contentType: BUNDLE_CONTENT_TYPE, headers: { 'x-bus-bundle': 2 } } }) as unknown as amqp.Message;

describe('bundle', () => {
  const records: BundleRecord[] = [
    { props: { messageId: 'm-1', correlationId: 'c-1', type: 'usage.recorded', timestamp: 1700000000 }, headers: { 'x-bus-source': 'bridge', 'x-bus-accepted-at': 1 }, json: JSON.stringify({ id: 'm-1', payload: { text: 'two\nlines', n: 'ü' } }) },
    { props: { messageId: 'm-2', type: 'usage.recorded' }, headers: {}, json: JSON.stringify({ id: 'm-2' }) },
  ];

  it('should give back each record with its own properties, headers and body bytes, and the bundle delivery tag', () => {
    const msg = bundleMessage(encodeBundle(records));

    const sut = messagesIn(msg);

    expect(sut.map((m) => JSON.parse(m.content.toString('utf8')))).toEqual([{ id: 'm-1', payload: { text: 'two\nlines', n: 'ü' } }, { id: 'm-2' }]);
    expect(sut[0].properties).toMatchObject({ messageId: 'm-1', correlationId: 'c-1', type: 'usage.recorded', timestamp: 1700000000, contentType: 'application/json', headers: { 'x-bus-source': 'bridge', 'x-bus-accepted-at': 1 } });
    expect(sut[1].properties).toMatchObject({ messageId: 'm-2', contentType: 'application/json', headers: {} });
    expect(sut.every((m) => m.fields.deliveryTag === 7 && messagesIn(m)[0] === m)).toBe(true);
  });

  it('should refuse a body cut short, naming the record and the byte', () => {
    const whole = encodeBundle(records);

    expect(() => unbundle(bundleMessage(whole.subarray(0, whole.length - 1)))).toThrow('bundle b-1: record 2 is cut short at byte');
    expect(() => unbundle(bundleMessage(Buffer.alloc(0)))).toThrow('bundle b-1 holds no record');
  });

  it('should hand on a bundle that does not read as one whole, saying why', () => {
    const broken = bundleMessage(Buffer.from('{"p":{}}'));
    const heard: string[] = [];

    const sut = messagesIn(broken, (err) => heard.push(err.message));

    expect(sut).toEqual([broken]);
    expect(heard).toEqual(['bundle b-1: record 1 is cut short at byte 0']);
  });

  it('should only take single-line bodies', () => {
    expect(fitsBundle(JSON.stringify({ a: 'x\ny' }))).toBe(true);
    expect(fitsBundle('{\n "a": 1\n}')).toBe(false);
  });
});
