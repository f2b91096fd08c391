import type { FileCheckpoint, FileLease } from '../store.types';
import { isDuplicateKey, type MongoModels } from './mongo.models';

const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };
const DURABLE_CREATE = { w: 'majority', j: true };

/**
 * The file lease operations in MongoDB. A takeover is one findOneAndUpdate that matches only a
 * `processing` claim with no live lease (or ours), and a first claim is an insert on the unique
 * `_id`, so of two instances claiming one file exactly one gets it.
 */
export class MongoFileLeases {
  constructor(private readonly m: MongoModels) {}

  async claim(sha256: string, system: string, fileName: string, owner: string, leaseMs: number): Promise<FileLease> {
    // Twice at most: a claim that turns from live to expired between our insert and our read is taken on the second pass.
    for (let pass = 0; pass < 2; pass++) {
      const now = Date.now();
      const taken = await this.m.files
        .findOneAndUpdate(
          { _id: sha256, status: 'processing', $or: [{ owner: null }, { owner }, { leaseUntil: { $lte: now } }] },
          { $set: { owner, leaseUntil: now + leaseMs } },
          { new: true, ...DURABLE },
        )
        .lean();
      if (taken) return taken.checkpoint ? { outcome: 'resume', checkpoint: taken.checkpoint } : { outcome: 'resume' };
      try {
        await this.m.files.create([{ _id: sha256, system, fileName, claimedAt: new Date(now), status: 'processing', owner, leaseUntil: now + leaseMs }], DURABLE_CREATE);
        return { outcome: 'new' };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const existing = await this.m.files.findById(sha256).lean();
      if (existing && existing.status !== 'processing') return { outcome: 'done' };
      if (existing?.owner && existing.owner !== owner && (existing.leaseUntil ?? 0) > Date.now()) return { outcome: 'busy', owner: existing.owner };
    }
    return { outcome: 'busy' };
  }

  async save(sha256: string, owner: string, leaseMs: number, checkpoint: FileCheckpoint | undefined): Promise<boolean> {
    const set = checkpoint === undefined ? { leaseUntil: Date.now() + leaseMs } : { leaseUntil: Date.now() + leaseMs, checkpoint };
    const result = await this.m.files.updateOne({ _id: sha256, owner, status: 'processing' }, { $set: set }, DURABLE);
    return result.matchedCount === 1;
  }

  async release(sha256: string, owner: string): Promise<void> {
    await this.m.files.updateOne({ _id: sha256, owner, status: 'processing' }, { $unset: { owner: 1, leaseUntil: 1 } }, DURABLE);
  }
}
