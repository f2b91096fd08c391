import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { SMTPServer } from 'smtp-server';
import { PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { InvalidMailAddressError } from './mail-address';
import { messageIdFor, smtpAdapter, SmtpInstance } from './smtp.adapter';
import { runAdapterConformance } from '../testing/adapter-conformance';
import { SmtpOutboundConfig } from './smtp.config';
import { encodeMail } from './smtp.message';
import { SmtpSink } from './testing/smtp-sink';

const logger = { log: () => undefined, error: () => undefined, warn: () => undefined };
const ctxFor = (key: string) => ({ idempotencyKey: key, messageId: key.split(':')[0], correlationId: 'corr-1', type: 'notice.email' });

describe(SmtpInstance.name, () => {
  runAdapterConformance(smtpAdapter, {
    validOutbound: [
      { host: '127.0.0.1', port: 1, from: 'letters@example.com', timeoutMs: 2000 },
      { host: 'smtp.example.com', port: 465, secure: true, auth: { user: 'u', pass: 'p' }, from: 'letters@example.com', fromName: 'Service', maxConnections: 4 },
    ],
  });

  let sink: SmtpSink;
  let sut: ReturnType<typeof smtpAdapter.create>;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    const outbound = plainToInstance(SmtpOutboundConfig, { host: '127.0.0.1', port: sink.port, from: 'letters@acme.example', fromName: 'Acme Service' });
    sut = smtpAdapter.create({ outbound }, { instanceName: 'mailer', logger, now: () => new Date() });
  });
  afterAll(async () => {
    await sut.close?.();
    await sink.stop();
  });

  it('should deliver the e-mail with a Message-ID derived from the idempotency key', async () => {
    const before = sink.received.length;
    const receipt = await sut.send!(encodeMail({ to: { name: 'Jürgen Müller', address: 'jm@example.com' }, subject: 'Your letter', text: 'Hello', html: '<p>Hello</p>' }), ctxFor('m1:mailer'));
    await sink.waitFor(before + 1);
    const mail = sink.received[before];
    expect(mail.envelopeTo).toEqual(['jm@example.com']);
    expect(mail.parsed.subject).toBe('Your letter');
    expect(mail.parsed.text?.trim()).toBe('Hello');
    expect(mail.parsed.html).toContain('<p>Hello</p>');
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Acme Service', address: 'letters@acme.example' });
    expect(mail.parsed.messageId).toBe(messageIdFor('m1:mailer', 'letters@acme.example'));
    expect(receipt.nativeId).toBe(mail.parsed.messageId);
  });

  it('should not send a message twice for the same idempotency key', async () => {
    const before = sink.received.length;
    const msg = encodeMail({ to: 'once@example.com', subject: 'Once', text: 'x' });
    await sut.send!(msg, ctxFor('m2:mailer'));
    await sut.send!(msg, ctxFor('m2:mailer'));
    await sink.waitFor(before + 1);
    await sut.send!(encodeMail({ to: 'marker@example.com', subject: 'Marker', text: 'x' }), ctxFor('m3:mailer'));
    await sink.waitFor(before + 2);
    expect(sink.received.slice(before).map((m) => m.parsed.subject)).toEqual(['Once', 'Marker']);
  });

  it('should not let CRLF in a name or subject create a header', async () => {
    const before = sink.received.length;
    await sut.send!(
      encodeMail({ to: { name: 'Eve\r\nBcc: victim@example.com', address: 'eve@example.com' }, subject: 'Hi\r\nBcc: victim@example.com', text: 'x' }),
      ctxFor('m4:mailer'),
    );
    await sink.waitFor(before + 1);
    const mail = sink.received[before];
    expect(mail.envelopeTo).toEqual(['eve@example.com']);
    expect(mail.parsed.headers.has('bcc')).toBe(false);
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    expect(mail.parsed.subject).toBe('Hi Bcc: victim@example.com');
  });

  it('should refuse an address with a line break before talking to the relay', async () => {
    await expect(
      sut.send!(encodeMail({ to: 'eve@example.com\r\nBcc: victim@example.com', subject: 'x', text: 'x' }), ctxFor('m5:mailer')),
    ).rejects.toThrow(InvalidMailAddressError);
  });

  it('should report a 5xx refusal as permanent, naming the recipient and the reply', async () => {
    const error = await sut.send!(encodeMail({ to: 'refuse-me@example.com', subject: 'x', text: 'x' }), ctxFor('m6:mailer')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toMatch(/refuse-me@example.com/);
    expect((error as Error).message).toMatch(/550 5\.1\.1/);
  });

  it('should report a 4xx reply as transient', async () => {
    const error = await sut.send!(encodeMail({ to: 'busy@example.com', subject: 'x', text: 'x' }), ctxFor('m7:mailer')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
  });

  it('should report a relay that does not answer as transient and as down', async () => {
    const outbound = plainToInstance(SmtpOutboundConfig, { host: '127.0.0.1', port: 1, from: 'letters@acme.example', timeoutMs: 2000 });
    const dead = smtpAdapter.create({ outbound }, { instanceName: 'dead', logger, now: () => new Date() });
    await expect(dead.send!(encodeMail({ to: 'a@example.com', subject: 'x', text: 'x' }), ctxFor('m8:dead'))).rejects.toThrow(TransientDeliveryError);
    expect((await dead.checkHealth()).status).toBe('down');
    await dead.close?.();
    await dead.close?.();
  });

  it('should report a reachable relay as up', async () => {
    expect(await sut.checkHealth()).toEqual({ status: 'up' });
  });

  it('should reject an empty config and accept host, port and from', () => {
    expect(validateSync(plainToInstance(SmtpOutboundConfig, {})).map((e) => e.property).sort()).toEqual(['from', 'host']);
    expect(validateSync(plainToInstance(SmtpOutboundConfig, { host: 'smtp', port: 25, from: 'a@b.example', auth: { user: 'u', pass: 'p' } }))).toEqual([]);
    expect(validateSync(plainToInstance(SmtpOutboundConfig, { host: 'smtp', from: 'a@b.example', auth: { user: '' } }))).not.toEqual([]);
  });
});

describe('SmtpInstance over TLS', () => {
  // smtp-server's built-in self-signed certificate; the relay asks for a login.
  const relay = async (secure: boolean) => {
    const logins: string[] = [];
    const received: string[] = [];
    const server = new SMTPServer({
      secure,
      logger: false,
      onAuth: (auth, _session, callback) => {
        logins.push(`${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          received.push(`${session.secure ? 'tls' : 'plain'} ${session.envelope.rcptTo[0].address}`);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    return { port, logins, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };

  it.each([
    ['implicit TLS', true],
    ['STARTTLS', false],
  ])('should log in and deliver over %s', async (_name, secure) => {
    const server = await relay(secure);
    const outbound = plainToInstance(SmtpOutboundConfig, {
      host: '127.0.0.1', port: server.port, secure, allowSelfSigned: true, auth: { user: 'letters', pass: 's3cret' }, from: 'letters@acme.example',
    });
    const sut = smtpAdapter.create({ outbound }, { instanceName: 'mailer', logger, now: () => new Date() });
    try {
      await sut.send!(encodeMail({ to: 'jm@example.com', subject: 'x', text: 'x' }), ctxFor('t1:mailer'));
      expect(server.received).toEqual(['tls jm@example.com']);
      expect(server.logins).toEqual(['letters:s3cret']);
    } finally {
      await sut.close?.();
      await server.stop();
    }
  });
});
