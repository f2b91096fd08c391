import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { isDuplicateKey, type StoreMetaDoc } from './mongo.models';

/**
 * The database's store id, created by the first bus that connects. An upsert that only sets the id on
 * insert: every later or concurrent connect reads the one that was written first. Two concurrent
 * upserts of a missing `_id` can both try to insert; the loser gets a duplicate-key error and reads again.
 */
export async function ensureStoreId(meta: Model<StoreMetaDoc>): Promise<string> {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const doc = await meta
        .findOneAndUpdate(
          { _id: 'store' },
          { $setOnInsert: { storeId: randomUUID(), createdAt: new Date() } },
          { upsert: true, new: true, writeConcern: { w: 'majority', j: true } },
        )
        .lean<StoreMetaDoc>();
      if (doc?.storeId) return doc.storeId;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Error('MongoDB store: the store id in collection store_meta could not be read or created; check the database user may write to it');
}
