import * as amqp from 'amqplib';
import { requireBroker, TEST_AMQP_URL } from '../../test/support/broker';
import { batchFrameWrites } from './frame-writes';

describe(batchFrameWrites.name, () => {
  let model: amqp.ChannelModel;
  let socketWrites: number[];

  beforeAll(async () => {
    await requireBroker();
    model = await amqp.connect(TEST_AMQP_URL);
    // The installed amqplib has the internals it patches: an upgrade that moves them fails here.
    expect(batchFrameWrites(model)).toBe(true);
    const socket = (model as unknown as { connection: { stream: { _writev: (chunks: unknown[], cb: unknown) => void; _write: (...args: unknown[]) => void } } }).connection.stream;
    const writev = socket._writev.bind(socket);
    const write = socket._write.bind(socket);
    socketWrites = [];
    socket._writev = (chunks, cb) => (socketWrites.push(chunks.length), writev(chunks, cb));
    socket._write = (...args) => (socketWrites.push(1), write(...args));
  });

  afterAll(() => model?.close());

  it('should send the frames of one turn in few socket writes, every message whole and in order', async () => {
    const channel = await model.createConfirmChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    socketWrites.length = 0;
    // 300 small messages and one larger than the socket's buffer (flow control: write() false, then 'drain').
    const bodies = Array.from({ length: 300 }, (_, i) => Buffer.from(`message ${i}`));
    bodies.splice(150, 0, Buffer.alloc(256 * 1024, 'x'));
    for (const body of bodies) channel.sendToQueue(queue, body, { persistent: true });
    await channel.waitForConfirms();

    expect(socketWrites.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(bodies.length);
    expect(socketWrites.length).toBeLessThan(bodies.length / 10);

    const received: Buffer[] = [];
    await new Promise<void>((resolve) => {
      void channel.consume(queue, (msg) => {
        received.push(msg!.content);
        if (received.length === bodies.length) resolve();
      }, { noAck: true });
    });
    expect(received.map((b) => b.length)).toEqual(bodies.map((b) => b.length));
    expect(Buffer.concat(received).equals(Buffer.concat(bodies))).toBe(true);
    await channel.close();
  });
});
