import type { Reply } from './http-kit';

/**
 * Remembers the answer given to each `Idempotency-Key`, so a redelivered request gets the same
 * answer and changes nothing a second time (what the bus expects of a well-behaved destination).
 * Keys are scoped by method and path: the same key on another endpoint is another request.
 */
export class IdempotencyCache {
  private readonly replies = new Map<string, Reply>();
  private hits = 0;

  /** How many requests were answered from the cache (tests read it to see a redelivery was recognised). */
  get replayed(): number {
    return this.hits;
  }

  async run(key: string | undefined, scope: string, handle: () => Promise<Reply>): Promise<Reply> {
    if (!key) return handle();
    const id = `${scope} ${key}`;
    const known = this.replies.get(id);
    if (known) {
      this.hits++;
      return { ...known, headers: { ...known.headers, 'Idempotent-Replayed': 'true' } };
    }
    const reply = await handle();
    // Only successes are remembered: a refused request may be fixed and sent again with the same key.
    if (reply.status < 400) this.replies.set(id, reply);
    return reply;
  }
}
