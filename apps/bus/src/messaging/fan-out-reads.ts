import type * as amqp from 'amqplib';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import { messagesIn } from './bundle';
import { parseEnvelope } from './envelope-body';
import { deepFreeze } from './frozen-json';
import type { PublishedBodies } from './published-bodies';

/** One message as a consumer reads it: a record of a bundle, or the AMQP message itself, and its body parsed. */
export interface ReadRecord {
  msg: amqp.Message;
  /** Undefined when the body is not a JSON object. */
  envelope: CanonicalEnvelope | undefined;
}

interface Parsed {
  content: Buffer;
  /** Undefined for a message that is not a bundle: each copy keeps its own properties. */
  properties: amqp.MessageProperties | undefined;
  envelope: CanonicalEnvelope | undefined;
}

interface Entry {
  content: Buffer;
  records: Parsed[];
  /** Why the body did not read as a bundle, told to every copy's consumer. */
  unreadable: Error | undefined;
  /** Copies not read yet. */
  unread: number;
}

/**
 * A message routed to several destinations is one publish with `CC`, so it reaches this process once per
 * destination queue, byte for byte the same. The first consumer to read it parses it; the others take its
 * records from here instead of parsing the same bytes again (at fan-out 5 that was four JSON parses of every
 * body and of every bundle line). A copy is taken only when its bytes equal the parsed ones. The shared
 * envelopes are frozen, so code that changes one fails loudly instead of changing another destination's.
 * An entry leaves once every copy was read, or when `maxEntries` newer ones push it out (a copy consumed by
 * another instance never comes here), so it holds at most that many bodies.
 */
export class FanOutReads {
  private readonly entries = new Map<string, Entry>();

  /** `published`: what this process published itself, taken instead of parsed. */
  constructor(
    private readonly published?: PublishedBodies,
    private readonly maxEntries = 64,
  ) {}

  read(msg: amqp.Message, onUnreadable: (err: Error) => void): ReadRecord[] {
    const copies = copiesOf(msg);
    const key = msg.properties.messageId;
    if (copies < 2 || typeof key !== 'string') return this.readAlone(msg, onUnreadable);
    let entry = this.entries.get(key);
    if (entry && entry.content.equals(msg.content)) {
      if (--entry.unread === 0) this.entries.delete(key);
    } else {
      entry = { content: msg.content, ...this.parse(msg, true), unread: copies - 1 };
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    if (entry.unreadable) onUnreadable(entry.unreadable);
    return entry.records.map((r) => recordOf(msg, r));
  }

  /** A message for one destination: parsed for its consumer alone, neither kept nor frozen (unless it was published here). */
  private readAlone(msg: amqp.Message, onUnreadable: (err: Error) => void): ReadRecord[] {
    const { records, unreadable } = this.parse(msg, false);
    if (unreadable) onUnreadable(unreadable);
    return records.map((r) => recordOf(msg, r));
  }

  /** The records a message carries, parsed (or as this process published them, already frozen); shared ones frozen. */
  private parse(msg: amqp.Message, shared: boolean): { records: Parsed[]; unreadable: Error | undefined } {
    let unreadable: Error | undefined;
    const records = messagesIn(msg, (err) => (unreadable = err)).map((m) => {
      const properties = m === msg ? undefined : m.properties;
      const published = this.published?.take(m.properties.messageId, m.content);
      const envelope = published ?? parseEnvelope(m.content);
      if (shared) {
        if (envelope && !published) deepFreeze(envelope);
        if (properties?.headers) deepFreeze(properties.headers);
      }
      return { content: m.content, properties, envelope };
    });
    return { records, unreadable };
  }
}

/** The destinations one publish reached: the routing key and the `CC` list the broker keeps in the headers. */
function copiesOf(msg: amqp.Message): number {
  const cc = msg.properties.headers?.CC as unknown;
  return Array.isArray(cc) ? cc.length + 1 : 1;
}

/** This copy's record: its own delivery fields (the delivery tag is per queue). */
function recordOf(msg: amqp.Message, r: Parsed): ReadRecord {
  return { msg: r.properties ? { content: r.content, fields: msg.fields, properties: r.properties } : msg, envelope: r.envelope };
}
