import type { CanonicalEnvelope } from '@bus/canonical-model';
import { freezeIfJson } from './frozen-json';

interface Entry {
  json: string;
  envelope: CanonicalEnvelope;
}

/**
 * Envelopes this process published to destinations it also consumes, kept until its own consumer reads
 * them back, so the consumer takes the object instead of parsing the bytes the publisher just wrote (at
 * 64 KB that parse was a tenth of the main thread). An envelope is kept only when it is plain JSON, frozen
 * as fan-out copies are, and taken only when the bytes read equal the text published: the consumer gets
 * exactly what parsing would have given. An entry leaves when taken, or oldest first beyond `maxChars`
 * of text (a copy another instance consumed never comes back here).
 */
export class PublishedBodies {
  private readonly consumed = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  constructor(private readonly maxChars = 4 * 1024 * 1024) {}

  /** A subscription of this process to `system`'s queue; the returned function ends it. */
  consumes(system: string): () => void {
    this.consumed.set(system, (this.consumed.get(system) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = this.consumed.get(system)! - 1;
      if (left > 0) this.consumed.set(system, left);
      else this.consumed.delete(system);
    };
  }

  /** Keeps a published envelope and its text, when one of `destinations` is consumed here. Freezes the envelope. */
  remember(envelope: CanonicalEnvelope, destinations: readonly string[], json: string): void {
    if (json.length > this.maxChars / 4 || !destinations.some((d) => this.consumed.has(d)) || !freezeIfJson(envelope)) return;
    this.drop(envelope.id);
    this.entries.set(envelope.id, { json, envelope });
    this.chars += json.length;
    while (this.chars > this.maxChars) this.drop(this.entries.keys().next().value!);
  }

  /** The envelope published as `messageId` when `content` is the text it was published as; it leaves either way. */
  take(messageId: unknown, content: Buffer): CanonicalEnvelope | undefined {
    if (typeof messageId !== 'string') return undefined;
    const entry = this.entries.get(messageId);
    if (!entry) return undefined;
    this.drop(messageId);
    return content.length >= entry.json.length && content.toString('utf8') === entry.json ? entry.envelope : undefined;
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.chars -= entry.json.length;
  }
}
