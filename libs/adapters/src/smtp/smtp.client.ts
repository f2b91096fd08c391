import { connect, type Socket } from 'node:net';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { SmtpOutboundConfig } from './smtp.config';

/** What the relay said when it took a message. */
export interface SmtpSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Everything needed to put one message on the wire; header values are already safe. */
export interface SmtpEnvelopeMessage {
  from: { name?: string; address: string };
  to: { name?: string; address: string };
  subject: string;
  text: string;
  html?: string;
  messageId: string;
}

/** The only file that speaks SMTP: one pooled nodemailer transport per configured system. */
export class SmtpClient {
  private transport?: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly config: SmtpOutboundConfig) {}

  private async pool(): Promise<Transporter<SMTPPool.SentMessageInfo>> {
    if (this.transport) return this.transport;
    // Loaded on first use: a bus without an SMTP system does not carry nodemailer in memory.
    const { createTransport } = await import('nodemailer');
    this.transport ??= createTransport({
      pool: true,
      host: this.config.host,
      port: this.config.port,
      secure: this.config.secure,
      auth: this.config.auth ? { user: this.config.auth.user, pass: this.config.auth.pass } : undefined,
      maxConnections: this.config.maxConnections,
      connectionTimeout: this.config.timeoutMs,
      greetingTimeout: this.config.timeoutMs,
      socketTimeout: this.config.timeoutMs,
      tls: this.config.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      // Header values were cleaned before; nodemailer must not read files or URLs named in the message.
      disableFileAccess: true,
      disableUrlAccess: true,
      // nodemailer's own sockets keep Nagle's algorithm on: the small writes of a message then wait for
      // the relay's delayed ACK (40 ms on Linux), which capped one connection at about 20 messages/s.
      // Nodemailer takes an opened socket (its proxy hook) and still does TLS, EHLO and auth on it.
      getSocket: (_options: unknown, done: (error: Error | null, socket?: { connection: Socket }) => void) =>
        openSocket(this.config.host, this.config.port, this.config.timeoutMs, done),
    } as SMTPPool.Options);
    return this.transport;
  }

  async send(message: SmtpEnvelopeMessage): Promise<SmtpSendResult> {
    const info = await (await this.pool()).sendMail({ ...message, envelope: { from: message.from.address, to: [message.to.address] } });
    return {
      messageId: info.messageId,
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
      response: info.response,
    };
  }

  /** Connects and says EHLO (and logs in); throws what nodemailer throws. */
  async verify(): Promise<void> {
    await (await this.pool()).verify();
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}

/** A TCP connection to the relay with TCP_NODELAY, handed over once connected. */
function openSocket(host: string, port: number, timeoutMs: number, done: (error: Error | null, socket?: { connection: Socket }) => void): void {
  const socket = connect({ host, port, noDelay: true });
  const timer = setTimeout(() => {
    socket.destroy();
    done(Object.assign(new Error(`Connection timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }, timeoutMs);
  socket.once('error', (error) => {
    clearTimeout(timer);
    done(error);
  });
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.removeAllListeners('error');
    socket.setKeepAlive(true);
    coalesceWrites(socket);
    done(null, { connection: socket });
  });
}

/**
 * nodemailer writes a message as many small chunks (commands, headers, body lines, the final dot);
 * with TCP_NODELAY each went out as a packet and a syscall of its own. Writes made in one event-loop
 * turn are corked and leave together at the turn's end.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}
