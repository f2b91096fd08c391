import { createHash } from 'node:crypto';
import { defineAdapter, type AdapterContext, type AdapterHealth, type AdapterInstance, type DeliveryReceipt, type NativeMessage, type SendContext } from '../adapter';
import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { cleanHeaderText, toMailbox } from './mail-address';
import { SmtpClient } from './smtp.client';
import { SmtpOutboundConfig } from './smtp.config';
import type { SmtpMail } from './smtp.message';

/** Keys of the last sends kept in memory, so a redelivery within this process is not mailed again. */
const REMEMBERED_KEYS = 10_000;

/**
 * The Message-ID for an idempotency key: the same key always gives the same id, so a duplicate
 * that does slip through (after a restart) is recognisable by the receiving side.
 */
export const messageIdFor = (idempotencyKey: string, from: string): string =>
  `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${from.split('@')[1] ?? 'bpi-bus.invalid'}>`;

export class SmtpInstance implements AdapterInstance {
  private readonly sent = new Map<string, DeliveryReceipt>();

  constructor(
    private readonly config: SmtpOutboundConfig,
    private readonly client: SmtpClient,
    private readonly ctx: AdapterContext,
  ) {}

  async checkHealth(): Promise<AdapterHealth> {
    try {
      await this.client.verify();
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: `smtp ${this.ctx.instanceName}: ${this.config.host}:${this.config.port} ${(error as Error).message}` };
    }
  }

  async send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    const known = this.sent.get(ctx.idempotencyKey);
    if (known) return known;
    const mail = this.decode(msg, ctx);
    const to = typeof mail.to === 'string' ? toMailbox(mail.to, undefined, 'to') : toMailbox(mail.to?.address, mail.to?.name, 'to');
    const messageId = messageIdFor(ctx.idempotencyKey, this.config.from);
    try {
      const result = await this.client.send({
        from: { address: this.config.from, ...(this.config.fromName ? { name: cleanHeaderText(this.config.fromName) } : {}) },
        to,
        subject: cleanHeaderText(String(mail.subject ?? '')),
        text: String(mail.text ?? ''),
        ...(mail.html ? { html: String(mail.html) } : {}),
        messageId,
      });
      if (result.rejected.length > 0) {
        throw new PermanentDeliveryError(`smtp ${this.ctx.instanceName}: ${to.address} refused: ${result.response}`, 550);
      }
      const receipt: DeliveryReceipt = { status: 250, nativeId: messageId };
      this.remember(ctx.idempotencyKey, receipt);
      return receipt;
    } catch (error) {
      throw classify(error, to.address, this.ctx.instanceName, ctx.messageId);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private decode(msg: NativeMessage, ctx: SendContext): SmtpMail {
    try {
      const mail = JSON.parse(msg.body.toString('utf8')) as SmtpMail;
      if (!mail || typeof mail !== 'object' || !mail.to || typeof mail.subject !== 'string') throw new Error('needs to, subject and text');
      return mail;
    } catch (error) {
      throw new MappingError(
        `smtp ${this.ctx.instanceName}: message ${ctx.messageId} is not an e-mail ({to, subject, text, html?}): ${(error as Error).message}`,
        undefined, { cause: error },
      );
    }
  }

  private remember(key: string, receipt: DeliveryReceipt): void {
    this.sent.set(key, receipt);
    if (this.sent.size > REMEMBERED_KEYS) this.sent.delete(this.sent.keys().next().value as string);
  }
}

interface NodemailerError extends Error { code?: string; responseCode?: number; response?: string }

/** 5xx is the relay's final word; 4xx and broken connections are worth another try. */
function classify(error: unknown, recipient: string, instance: string, messageId: string): Error {
  if (error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError || error instanceof MappingError) return error;
  const e = error as NodemailerError;
  const reply = e.response ?? e.message;
  const what = `smtp ${instance}: message ${messageId} to ${recipient}`;
  if (e.responseCode && e.responseCode >= 500) {
    return new PermanentDeliveryError(`${what} refused: ${reply}`, e.responseCode, { cause: error });
  }
  if (e.code === 'EENVELOPE' && !e.responseCode) {
    return new PermanentDeliveryError(`${what} refused before sending: ${reply}`, undefined, { cause: error });
  }
  return new TransientDeliveryError(`${what} failed, will retry: ${reply}`, e.responseCode, { cause: error });
}

export const smtpAdapter = defineAdapter<object, SmtpOutboundConfig>({
  id: 'smtp',
  summary: 'E-mail through an SMTP relay (nodemailer, pooled); one message per send, Message-ID derived from the idempotency key.',
  // Not idempotent across restarts: an e-mail cannot be recalled. Repeats in one process are
  // dropped, and a repeat after a restart carries the same Message-ID.
  capabilities: { outbound: { idempotent: false }, maturity: 'beta' },
  config: { outbound: SmtpOutboundConfig },
  create: (config, ctx) => {
    if (!config.outbound) throw new MappingError(`smtp ${ctx.instanceName}: an outbound: section (host, port, from) is required`, 'outbound');
    return new SmtpInstance(config.outbound, new SmtpClient(config.outbound), ctx);
  },
});
