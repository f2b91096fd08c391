import type * as amqp from 'amqplib';
import { faultHeaders, type Fault } from './delivery-policy';
import type { Publisher, PublishProps } from './publisher';

/** Where a copy comes from, for its fault headers. */
export interface FaultCopyContext {
  destination: string;
  /** `x-bus-attempts` of the original. */
  attempts: number;
  adapter?: string;
  /** Set on a dead-letter copy: the id its store entry gets, so copy and entry can be matched later. */
  deadLetterId?: string;
}

/**
 * Publishes a confirmed copy of `msg` (same bytes and properties) to `queue` with the fault described
 * in its headers, and returns those headers. The one way a message moves to a retry or dead-letter
 * queue: the consumer's failures and a reload's retired destinations both come through here.
 */
export async function publishFaultCopy(publisher: Publisher, queue: string, msg: amqp.Message, fault: Fault, context: FaultCopyContext): Promise<Record<string, unknown>> {
  const headers = faultHeaders(msg.properties.headers ?? {}, fault, { ...context, now: new Date() });
  await publisher.publishToQueue(queue, msg.content, headers, copyProps(msg.properties));
  return headers;
}

function copyProps(p: amqp.MessageProperties): PublishProps {
  const props: PublishProps = {};
  if (p.messageId !== undefined) props.messageId = p.messageId;
  if (p.correlationId !== undefined) props.correlationId = p.correlationId;
  if (p.type !== undefined) props.type = p.type;
  if (p.timestamp !== undefined) props.timestamp = p.timestamp;
  if (p.contentType !== undefined) props.contentType = p.contentType;
  if (p.appId !== undefined) props.appId = p.appId;
  return props;
}
