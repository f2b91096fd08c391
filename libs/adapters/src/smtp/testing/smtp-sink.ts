import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the sink received: the envelope as the relay saw it and the parsed message. */
export interface ReceivedMail {
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on loopback for specs (smtp-server). Recipients whose address starts with
 * `refuse` get a permanent 550, `busy` a temporary 451, so tests can provoke both classes.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private server?: SMTPServer;
  port = 0;

  /** @param listenPort 0 (default) picks a free port; the demo uses a fixed one its config names. */
  async start(listenPort = 0): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const err = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
        if (address.address.startsWith('refuse')) return callback(err(550, `5.1.1 <${address.address}>: mailbox unavailable`));
        if (address.address.startsWith('busy')) return callback(err(451, '4.3.0 try again later'));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then((parsed) => {
            this.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            this.notify();
            callback();
          }, callback);
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(listenPort, '127.0.0.1', resolve));
    this.port = ((this.server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    return this;
  }

  /** Resolves once `count` messages have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SMTP sink: ${this.received.length} of ${count} messages after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      if (this.received.length >= w.count) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}
