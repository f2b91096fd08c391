import type { NativeMessage } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import type { DispatchResult } from '../delivery/dispatcher.service';
import type { FileUsageCounter } from '../processors/file-usage.counter';
import type { BusStore } from '../store/bus-store';
import { derivedMessageId, hashedMessageId, hashedTailRowId } from './envelope.factory';
import { InboundListener } from './inbound.listener';
import type { InboundPipeline } from './inbound.pipeline';

const SYSTEM = { name: 'bridge-cdr' } as SystemRuntime;
const row = (line: number): NativeMessage => ({ body: Buffer.from('{}'), contentType: 'application/json', meta: { fileName: 'Master.csv', sha256: 'f1', line } });
const own = (line: number) => derivedMessageId(`bridge-cdr:f1:${line}`, 0);

describe(InboundListener.name, () => {
  const listenerAnswering = (result: Partial<DispatchResult>) => {
    const pipeline = { receive: async () => ({ messageId: 'x', correlationId: 'c', messageIds: [], duplicate: false, ...result }) } as unknown as InboundPipeline;
    return new InboundListener(pipeline, {} as BusStore, {} as FileUsageCounter);
  };

  it.each([
    ['a new row', { duplicate: false, messageIds: [own(7)] }, undefined],
    ['the row read again after a crash', { duplicate: true, messageIds: [own(7)] }, undefined],
    ['the row read again after an upgrade, with the name-based id earlier versions gave it', { duplicate: true, messageIds: [hashedMessageId('bridge-cdr:f1:7', 0)] }, undefined],
    ['the row read again after an upgrade, with the line-ordered id earlier versions gave it', { duplicate: true, messageIds: [hashedTailRowId('bridge-cdr:f1:7', 0)!] }, undefined],
    ['a new row whose claim holds the id an earlier version gave it', { duplicate: false, messageIds: [hashedTailRowId('bridge-cdr:f1:7', 0)!] }, undefined],
    ['a row whose key another record confirmed', { duplicate: true, messageIds: ['other'] }, { duplicate: true }],
    ['a row published again under the id of a record in flight with the same key', { duplicate: false, messageIds: ['other'] }, { duplicate: true }],
  ])('should answer %s as the file report counts it', async (_what, result, expected) => {
    const sut = listenerAnswering(result);

    await expect(sut.receive(SYSTEM, row(7))).resolves.toEqual(expected);
  });

  it('should answer pulled input without a file row as the Dispatcher did', async () => {
    const sut = listenerAnswering({ duplicate: false, messageIds: ['m1'] });

    await expect(sut.receive(SYSTEM, { body: Buffer.from('{}'), contentType: 'application/json' })).resolves.toBeUndefined();
  });
});
