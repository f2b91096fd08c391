import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the relay accepted (answered 250 to its DATA). */
export interface AcceptedMail {
  to: string[];
  messageId: string;
}

/**
 * A loopback SMTP relay that takes `delayMs` before it answers each message's DATA, so a bus killed
 * mid-run has e-mails in flight: a message counts as sent only once the relay answered 250, as a
 * real relay takes it on then. Counts per recipient and Message-ID.
 */
export class SlowSmtpSink {
  readonly accepted: AcceptedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly delayMs: number) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          setTimeout(() => {
            simpleParser(Buffer.concat(chunks)).then((parsed) => {
              this.accepted.push({ to: session.envelope.rcptTo.map((r) => r.address), messageId: String(parsed.messageId) });
              callback();
            }, callback);
          }, this.delayMs);
        });
      },
    });
    // A killed bus leaves its connections reset: a relay logs that and goes on.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server as unknown as { server: { address(): AddressInfo } }).server.address().port;
    return this;
  }

  /** Recipient -> the distinct Message-IDs it was sent (a resend under the same Message-ID is one e-mail). */
  messageIdsByRecipient(): Map<string, Set<string>> {
    const per = new Map<string, Set<string>>();
    for (const m of this.accepted) for (const to of m.to) per.set(to, (per.get(to) ?? new Set()).add(m.messageId));
    return per;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
