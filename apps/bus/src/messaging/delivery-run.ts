import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { ErrorCodes, routeOf, type CanonicalEnvelope } from '@bus/canonical-model';
import type { Acks } from './ack-batcher';
import type { Delivery, DeliveryHandler, FaultEvent } from './consumer';
import { attemptsOf, decide, outcomeOfThrown, type DeliveryPolicy, type Fault, type Outcome } from './delivery-policy';
import { publishFaultCopy } from './fault-copy';
import { MessagingLog, type MessagingLogger } from './messaging.log';
import type { Publisher } from './publisher';
import type { DestinationQueueNames } from './topology';
import { logLine, type LogFields } from '../logging/log-line';

/** What every delivery of one subscription shares. */
export interface DeliveryRunContext {
  system: string;
  names: DestinationQueueNames;
  policy: DeliveryPolicy;
  adapter?: string;
  onFault?: (event: FaultEvent) => void | Promise<void>;
  handler: DeliveryHandler;
  publisher: Publisher;
  logger: MessagingLogger;
  /** Aborted when the subscription is cancelled and stops waiting. */
  signal: AbortSignal;
}

/** Wait before requeueing a message that could not be moved to its retry or dead-letter queue. */
const REQUEUE_BACKOFF_MS = 2000;

/**
 * One message through the handler and the delivery policy. The copy to a retry or dead-letter queue
 * is confirmed by the broker before the original is acked, so a crash in between duplicates, never loses.
 */
export class DeliveryRun {
  private readonly headers: Record<string, unknown>;
  private readonly attempts: number;

  constructor(
    private readonly ctx: DeliveryRunContext,
    private readonly msg: amqp.Message,
    private readonly batcher: Acks,
    /** The body parsed; undefined when it is not a JSON object. */
    private readonly envelope: CanonicalEnvelope | undefined,
  ) {
    this.headers = msg.properties.headers ?? {};
    this.attempts = attemptsOf(this.headers);
  }

  async run(): Promise<void> {
    const envelope = this.envelope;
    if (!envelope) {
      const fault = { code: ErrorCodes.CANONICAL_INVALID, message: `message body is not a JSON object (content type ${this.msg.properties.contentType ?? 'unset'})` };
      return this.deadLetter(fault, undefined);
    }
    let outcome: Outcome;
    for (let immediateRetriesDone = 0; ; immediateRetriesDone++) {
      const attempt = this.attempts * (this.ctx.policy.immediateRetries + 1) + immediateRetriesDone + 1;
      outcome = await this.call({ envelope, attempts: this.attempts, immediateRetry: immediateRetriesDone, attempt, headers: this.headers, properties: this.msg.properties });
      const decision = decide(outcome, { attempts: this.attempts, immediateRetriesDone }, this.ctx.policy);
      switch (decision.action) {
        case 'retry-now':
          continue;
        case 'ack':
          return this.batcher.ack(this.msg.fields.deliveryTag);
        case 'redeliver':
          return this.redeliver((outcome as { error: Fault }).error, envelope, decision.delayMs);
        case 'dead-letter':
          return this.deadLetter((outcome as { error: Fault }).error, envelope);
      }
    }
  }

  private async call(delivery: Delivery): Promise<Outcome> {
    try {
      return await this.ctx.handler(delivery);
    } catch (err) {
      return outcomeOfThrown(err, ErrorCodes.DELIVERY_TRANSIENT);
    }
  }

  private redeliver(fault: Fault, envelope: CanonicalEnvelope, delayMs: number): Promise<void> {
    const queue = this.ctx.names.retry(delayMs);
    const text = MessagingLog.retrying(queue, envelope.id, envelope.type, this.ctx.system, this.attempts + 1, fault.code, queue);
    this.ctx.logger.warn(logLine(text, { ...this.fieldsOf(envelope), queue, code: fault.code, attempt: this.attempts + 1 }));
    return this.moveTo('retry', queue, fault, envelope);
  }

  private deadLetter(fault: Fault, envelope: CanonicalEnvelope | undefined): Promise<void> {
    const queue = this.ctx.names.deadLetter;
    const id = envelope?.id ?? String(this.msg.properties.messageId ?? '(no message id)');
    const type = envelope?.type ?? String(this.msg.properties.type ?? '(unknown type)');
    const text = MessagingLog.deadLettered(queue, id, type, this.ctx.system, this.attempts + 1, fault.code, fault.message);
    this.ctx.logger.warn(logLine(text, { ...this.fieldsOf(envelope), messageId: id, type, queue, code: fault.code, attempt: this.attempts + 1 }));
    return this.moveTo('deadLetter', queue, fault, envelope);
  }

  private async moveTo(kind: FaultEvent['kind'], queue: string, fault: Fault, envelope: CanonicalEnvelope | undefined): Promise<void> {
    const tag = this.msg.fields.deliveryTag;
    // The channel is gone: the broker requeues the original, so a copy now would be a duplicate.
    if (this.batcher.isDiscarded) return;
    // A dead-letter copy gets the id of its store entry now, so the copy and the entry can be matched later.
    const deadLetterId = kind === 'deadLetter' ? randomUUID() : undefined;
    let headers: Record<string, unknown>;
    try {
      headers = await publishFaultCopy(this.ctx.publisher, queue, this.msg, fault, { destination: this.ctx.system, attempts: this.attempts, adapter: this.ctx.adapter, deadLetterId });
      this.batcher.ack(tag);
    } catch (err) {
      return this.requeueLater(queue, tag, err as Error);
    }
    if (!this.ctx.onFault) return;
    const event: FaultEvent = { kind, envelope, destination: this.ctx.system, fault, attempts: this.attempts + 1, queue, headers };
    try {
      await this.ctx.onFault(event);
    } catch (err) {
      this.ctx.logger.error(logLine(MessagingLog.faultHookFailed(String(this.msg.properties.messageId), this.ctx.system, queue, err as Error), { ...this.fieldsOf(envelope), queue }));
    }
  }

  /** The fields every line about this message carries; the AMQP properties stand in for an unreadable body. */
  private fieldsOf(envelope: CanonicalEnvelope | undefined): LogFields {
    const props = this.msg.properties;
    return {
      messageId: envelope?.id ?? (props.messageId ? String(props.messageId) : undefined),
      correlationId: envelope?.correlationId ?? (props.correlationId ? String(props.correlationId) : undefined),
      type: envelope?.type ?? (props.type ? String(props.type) : undefined),
      system: this.ctx.system,
      route: routeOf(this.headers, this.ctx.system),
    };
  }

  /** The copy failed while the channel lives (e.g. its queue is gone): put the original back, not at once. */
  private async requeueLater(queue: string, tag: number, err: Error): Promise<void> {
    if (this.batcher.isDiscarded) return;
    this.ctx.logger.error(logLine(MessagingLog.copyFailed(String(this.msg.properties.messageId), this.ctx.system, queue, err), { ...this.fieldsOf(undefined), queue }));
    await pause(REQUEUE_BACKOFF_MS, this.ctx.signal);
    if (!this.ctx.signal.aborted) this.batcher.nack(tag, true);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

