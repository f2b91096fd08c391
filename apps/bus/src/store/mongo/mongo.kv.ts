import { isDuplicateKey, type MongoModels } from './mongo.models';

/** Namespaced key-value state in MongoDB; expired entries are left out of reads until the TTL monitor deletes them. */
export class MongoKv {
  constructor(private readonly m: MongoModels) {}

  async get<V = unknown>(namespace: string, key: string): Promise<V | null> {
    const doc = await this.m.kv.findOne({ namespace, key, ...live() }).lean();
    return doc ? ((doc.value ?? null) as V | null) : null;
  }

  async set(namespace: string, key: string, value: unknown, ttlMs?: number): Promise<void> {
    const update = ttlMs === undefined ? { $set: { value: value ?? null }, $unset: { expiresAt: 1 } } : { $set: { value: value ?? null, expiresAt: new Date(Date.now() + ttlMs) } };
    try {
      await this.m.kv.updateOne({ namespace, key }, update, { upsert: true });
    } catch (err) {
      // Two concurrent first writes of one key: the loser writes over the winner, as a later set would.
      if (!isDuplicateKey(err)) throw err;
      await this.m.kv.updateOne({ namespace, key }, update);
    }
  }

  async delete(namespace: string, key: string): Promise<void> {
    await this.m.kv.deleteOne({ namespace, key });
  }

  async list<V = unknown>(namespace: string): Promise<Array<{ key: string; value: V }>> {
    const docs = await this.m.kv.find({ namespace, ...live() }).sort({ key: 1 }).lean();
    return docs.map((d) => ({ key: d.key, value: (d.value ?? null) as V }));
  }
}

/** Not expired: MongoDB's TTL monitor deletes expired entries only about once a minute. */
function live() {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: null }, { expiresAt: { $gt: new Date() } }] };
}
