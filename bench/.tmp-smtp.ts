import * as net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createTransport } from 'nodemailer';
const mode = process.argv[2];
if (mode === 'client' || mode === 'both') {
  const orig = net.Socket.prototype.connect;
  (net.Socket.prototype as any).connect = function (this: net.Socket, ...a: any[]) { this.setNoDelay(true); return (orig as any).apply(this, a); };
}
(async () => {
  let received = 0;
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData: (stream, _s, cb) => { stream.on('data', () => undefined); stream.on('end', () => { received++; cb(); }); } });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  if (mode === 'server' || mode === 'both') (server as any).server.on('connection', (s: net.Socket) => s.setNoDelay(true));
  const port = (server as any).server.address().port;
  for (const conns of [2]) {
    const t = createTransport({ pool: true, host: '127.0.0.1', port, secure: false, maxConnections: conns, disableFileAccess: true, disableUrlAccess: true } as any);
    const N = 500, C = 4;
    let i = 0; const t0 = performance.now(); const c0 = process.cpuUsage();
    await Promise.all(Array.from({ length: C }, async () => { while (i < N) { const k = i++; await t.sendMail({ from: 'a@b.example', to: `x${k}@c.example`, subject: 'hi', text: 'hello '.repeat(50), html: '<p>hello</p>'.repeat(20), messageId: `<${k}@b.example>` }); } }));
    const c = process.cpuUsage(c0);
    console.log(`${mode} conns ${conns} inflight ${C}: ${(N / ((performance.now() - t0) / 1000)).toFixed(0)}/s, cpu(both sides) ${((c.user + c.system) / 1000 / N).toFixed(2)} ms/msg`);
    t.close();
  }
  server.close();
})();
