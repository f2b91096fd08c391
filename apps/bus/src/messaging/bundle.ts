import type * as amqp from 'amqplib';

/**
 * A bundle carries several messages for the same destinations in one AMQP message, so records that
 * reach the publisher together (a file's rows, a burst of requests) cost the broker one enqueue, one
 * confirm and one ack instead of one each. Each record keeps its own id, properties and headers, and a
 * consumer delivers, retries and dead-letters each on its own; only the bundle is acked as one.
 *
 * The body is newline-delimited JSON, two lines per record: `{"p":properties,"h":headers}`, then the
 * record's own body (the envelope JSON, which JSON.stringify never writes across lines).
 */
export const BUNDLE_CONTENT_TYPE = 'application/vnd.bpi-bus.bundle+x-ndjson';

/** One message of a bundle, as the publisher hands it over. */
export interface BundleRecord {
  props: RecordProps;
  headers: Record<string, unknown>;
  /** The record's body: one line of JSON. */
  json: string;
}

/** The message properties each record keeps. */
export interface RecordProps {
  messageId?: string;
  correlationId?: string;
  type?: string;
  timestamp?: number;
}

const NEWLINE = 0x0a;

export function encodeBundle(records: readonly BundleRecord[]): Buffer {
  let text = '';
  for (const r of records) text += `${JSON.stringify({ p: r.props, h: r.headers })}\n${r.json}\n`;
  return Buffer.from(text);
}

/** A body can travel in a bundle when it is a single line. */
export function fitsBundle(json: string): boolean {
  return !json.includes('\n');
}

function isBundle(msg: amqp.Message): boolean {
  return msg.properties.contentType === BUNDLE_CONTENT_TYPE;
}

/**
 * The messages an AMQP message carries: a bundle's records, or the message itself. A bundle that does not
 * read as one is handed on whole (its records stay in its body), after `onUnreadable` heard why.
 */
export function messagesIn(msg: amqp.Message, onUnreadable: (err: Error) => void = () => undefined): amqp.Message[] {
  if (!isBundle(msg)) return [msg];
  try {
    return unbundle(msg);
  } catch (err) {
    onUnreadable(err as Error);
    return [msg];
  }
}

/**
 * The records of a bundle as messages of their own: the bundle's delivery fields (one delivery tag for
 * all), each record's properties and headers, and its body as a slice of the bundle's (no copy).
 * Throws on a body that is not a well-formed bundle.
 */
export function unbundle(msg: amqp.Message): amqp.Message[] {
  const content = msg.content;
  const records: amqp.Message[] = [];
  for (let start = 0; start < content.length; ) {
    const metaEnd = content.indexOf(NEWLINE, start);
    const bodyEnd = metaEnd < 0 ? -1 : content.indexOf(NEWLINE, metaEnd + 1);
    if (bodyEnd < 0) throw new Error(`bundle ${String(msg.properties.messageId)}: record ${records.length + 1} is cut short at byte ${start}`);
    const meta = JSON.parse(content.toString('utf8', start, metaEnd)) as { p?: RecordProps; h?: Record<string, unknown> };
    records.push({
      content: content.subarray(metaEnd + 1, bodyEnd),
      fields: msg.fields,
      properties: { ...msg.properties, contentType: 'application/json', ...meta.p, headers: meta.h ?? {} },
    } as amqp.Message);
    start = bodyEnd + 1;
  }
  if (records.length === 0) throw new Error(`bundle ${String(msg.properties.messageId)} holds no record`);
  return records;
}
