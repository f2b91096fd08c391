import { randomUUID } from 'node:crypto';
import { pageLimit, toIso } from '../bus-store';
import { mongoAfterCursor, pageOf } from '../keyset-page';
import type { AuditEntry, AuditInput, AuditSearch } from '../console.types';
import type { Page } from '../store.types';
import type { AuditDoc, MongoModels } from './mongo.models';

/** The audit trail in MongoDB: one insert per operator action (a new UUID, so no two writers meet). */
export class MongoAudit {
  constructor(private readonly m: MongoModels) {}

  async record(input: AuditInput): Promise<AuditEntry> {
    const entry: AuditEntry = { ...input, id: randomUUID(), at: toIso(input.at, 'at') ?? new Date().toISOString() };
    await this.m.audit.create({ _id: entry.id, at: new Date(entry.at), actor: entry.actor, action: entry.action, target: entry.target, entry });
    return entry;
  }

  async list(query: AuditSearch): Promise<Page<AuditEntry>> {
    const limit = pageLimit(query.limit);
    const and: Record<string, unknown>[] = [];
    if (query.actor) and.push({ actor: query.actor });
    if (query.action) and.push({ action: query.action });
    if (query.target) and.push({ target: query.target });
    const since = toIso(query.since, 'since');
    const until = toIso(query.until, 'until');
    if (since) and.push({ at: { $gte: new Date(since) } });
    if (until) and.push({ at: { $lte: new Date(until) } });
    const after = mongoAfterCursor('at', query.cursor);
    if (after) and.push(after);
    const docs = await this.m.audit.find(and.length ? { $and: and } : {}).sort({ at: -1, _id: -1 }).limit(limit + 1).lean<AuditDoc[]>();
    const page = pageOf(docs.map((d) => d.entry as AuditEntry), limit, (entry) => entry);
    return page.nextCursor ? { items: page.rows, nextCursor: page.nextCursor } : { items: page.rows };
  }
}
