import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { coalesceWrites } from './smtp.client';

describe(coalesceWrites.name, () => {
  let server: Server;
  const sockets: Socket[] = [];

  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
    server?.close();
  });

  it('should hand the writes of one event-loop turn to the socket as one batch, in order', async () => {
    server = createServer((peer) => sockets.push(peer));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const sut = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', noDelay: true });
    sockets.push(sut);
    await once(sut, 'connect');
    const [peer] = await accepted;
    let received = '';
    const all = new Promise<void>((resolve) => peer.on('data', (chunk) => (received += chunk).endsWith('DATA\r\n') && resolve()));
    coalesceWrites(sut);
    const writev = jest.spyOn(sut as unknown as { _writev: () => void }, '_writev');
    const single = jest.spyOn(sut as unknown as { _write: () => void }, '_write');

    sut.write('MAIL FROM:<a@example.com>\r\n');
    sut.write('RCPT TO:<b@example.com>\r\n');
    sut.write('DATA\r\n');
    await all;

    expect(received).toBe('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
    expect(writev).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
  });
});
