import { randomUUID } from 'node:crypto';
import type * as T from '../store.types';
import type { ConfigHistoryDoc, MongoModels } from './mongo.models';

const entryOf = (d: ConfigHistoryDoc): T.ConfigHistoryEntry => ({
  version: d.version,
  appliedAt: new Date(d.appliedAt).toISOString(),
  appliedBy: d.appliedBy,
  reason: d.reason,
  trigger: d.trigger,
  previousVersion: d.previousVersion ?? null,
});

/**
 * Config versions applied, in MongoDB. MongoDB keys may not hold dots, so the files are stored as
 * a list of `[path, text]` pairs; the content is written with an upsert keyed by version (written
 * once, the same for every writer), then the application.
 */
export class MongoConfigHistory {
  constructor(private readonly m: MongoModels) {}

  async record(entry: T.ConfigHistoryEntry, files: Record<string, string>): Promise<void> {
    await this.m.configVersions.updateOne({ _id: entry.version }, { $setOnInsert: { files: Object.entries(files) as unknown as Record<string, string> } }, { upsert: true }).catch((err: { code?: number }) => {
      // Two instances recording one new version at the same moment: the other wrote the same content.
      if (err?.code !== 11000) throw err;
    });
    await this.m.configHistory.create({ _id: `${entry.appliedAt}~${randomUUID()}`, ...entry, appliedAt: new Date(entry.appliedAt) });
  }

  async list(search: T.ConfigHistorySearch = {}): Promise<T.Page<T.ConfigHistoryEntry>> {
    const limit = Math.min(Math.max(1, search.limit ?? 50), 500);
    const filter = search.cursor ? { _id: { $lt: search.cursor } } : {};
    const docs = await this.m.configHistory.find(filter).sort({ _id: -1 }).limit(limit + 1).lean();
    const items = docs.slice(0, limit).map(entryOf);
    return docs.length > limit ? { items, nextCursor: docs[limit - 1]._id } : { items };
  }

  async get(version: string): Promise<T.ConfigVersionRecord | null> {
    const [content, latest] = await Promise.all([
      this.m.configVersions.findById(version).lean(),
      this.m.configHistory.findOne({ version }).sort({ _id: -1 }).lean(),
    ]);
    if (!content || !latest) return null;
    const { previousVersion: _previous, ...entry } = entryOf(latest);
    return { ...entry, files: Object.fromEntries(content.files as unknown as [string, string][]) };
  }
}
