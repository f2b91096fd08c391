import type { WaitingMessages } from '../console.types';
import type { AnyBulkWriteOperation, FilterQuery, UpdateQuery } from 'mongoose';
import { pageLimit, toIso } from '../bus-store';
import { mongoAfterCursor, pageOf } from '../keyset-page';
import { deriveMessageStatus, destinationChange, entryHops } from '../message-status';
import type * as T from '../store.types';
import type { DestinationDoc, MessageDoc, MongoModels } from './mongo.models';

/**
 * The journal in MongoDB: messages, per-destination state and hops in three collections.
 * Destination state is changed with atomic update operators ($inc, $max), so two bus instances
 * delivering the same message to different destinations do not overwrite each other.
 */
export class MongoJournal {
  constructor(private readonly m: MongoModels) {}

  async append(events: T.JournalEvent[]): Promise<void> {
    if (events.length === 0) return;
    const messageOps: AnyBulkWriteOperation<MessageDoc>[] = [];
    const destinationOps: AnyBulkWriteOperation<DestinationDoc>[] = [];
    const hopDocs: { messageId: string; at: Date; hop: T.Hop }[] = [];
    const touched = new Set<string>();
    for (const event of events) {
      if (event.kind === 'message') {
        const msg = event.message;
        touched.add(msg.id);
        messageOps.push({ updateOne: { filter: { _id: msg.id }, update: messageUpdate(msg), upsert: true } });
        for (const r of msg.routes) {
          destinationOps.push({
            updateOne: {
              filter: { messageId: msg.id, destination: r.destination },
              update: { $setOnInsert: { status: 'pending', attempts: 0, updatedAt: new Date(msg.receivedAt) } },
              upsert: true,
            },
          });
        }
      } else {
        hopDocs.push({ messageId: event.messageId, at: new Date(event.hop.at), hop: event.hop });
        const op = destinationOp(event.messageId, event.hop);
        if (op) {
          destinationOps.push(op);
          touched.add(event.messageId);
        }
      }
    }
    // Messages first so a status recompute below sees them; destination ops in order, as the hops happened.
    if (messageOps.length) await this.m.messages.bulkWrite(messageOps, { ordered: false });
    if (hopDocs.length) await this.m.hops.insertMany(hopDocs, { ordered: true, lean: true });
    if (destinationOps.length) await this.m.destinations.bulkWrite(destinationOps, { ordered: true });
    await this.recomputeStatus([...touched]);
  }

  async get(id: string): Promise<T.MessageHistory | null> {
    const doc = await this.m.messages.findById(id).lean<MessageDoc>();
    if (!doc) return null;
    const [destinations, hops] = await Promise.all([
      this.destinationsOf([id]),
      this.m.hops.find({ messageId: id }).sort({ at: 1, _id: 1 }).lean(),
    ]);
    const message = toMessage(doc, destinations.get(id) ?? {});
    return { message, hops: [...entryHops(message), ...hops.map((h) => h.hop)] };
  }

  async waiting(): Promise<Record<string, WaitingMessages>> {
    const rows = await this.m.destinations.aggregate<{ _id: string; count: number; oldest: Date }>([
      { $match: { status: { $in: ['pending', 'retrying'] } } },
      { $lookup: { from: 'journal_messages', localField: 'messageId', foreignField: '_id', as: 'm' } },
      { $unwind: '$m' },
      { $group: { _id: '$destination', count: { $sum: 1 }, oldest: { $min: '$m.receivedAt' } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, { count: r.count, oldestReceivedAt: new Date(r.oldest).toISOString() }]));
  }

  async search(query: T.MessageSearch): Promise<T.Page<T.MessageSummary>> {
    const limit = pageLimit(query.limit);
    const and: FilterQuery<MessageDoc>[] = [];
    if (query.id) and.push({ _id: query.id });
    if (query.correlationId) and.push({ correlationId: query.correlationId });
    if (query.businessKey) and.push({ businessKeys: query.businessKey });
    if (query.type) and.push({ type: query.type });
    if (query.status) and.push({ status: query.status });
    if (query.system) and.push({ systems: query.system });
    const since = toIso(query.since, 'since');
    const until = toIso(query.until, 'until');
    if (since) and.push({ receivedAt: { $gte: new Date(since) } });
    if (until) and.push({ receivedAt: { $lte: new Date(until) } });
    const after = mongoAfterCursor('receivedAt', query.cursor);
    if (after) and.push(after);
    const docs = await this.m.messages
      .find(and.length ? { $and: and } : {}, { rawNative: 0, canonical: 0 })
      .sort({ receivedAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<MessageDoc[]>();
    const page = pageOf(docs, limit, (d) => ({ at: d.receivedAt.toISOString(), id: d._id }));
    const destinations = await this.destinationsOf(page.rows.map((d) => d._id));
    const items = page.rows.map((d) => {
      const { rawNative: _r, canonical: _c, ...summary } = toMessage(d, destinations.get(d._id) ?? {});
      return summary;
    });
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }

  async purge(cutoff: Date): Promise<void> {
    await Promise.all([
      this.m.messages.deleteMany({ receivedAt: { $lt: cutoff } }),
      this.m.destinations.deleteMany({ updatedAt: { $lt: cutoff } }),
      this.m.hops.deleteMany({ at: { $lt: cutoff } }),
    ]);
  }

  private async recomputeStatus(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const [docs, destinations] = await Promise.all([
      this.m.messages.find({ _id: { $in: ids } }, { initialStatus: 1 }).lean<Pick<MessageDoc, '_id' | 'initialStatus'>[]>(),
      this.destinationsOf(ids),
    ]);
    // A hop may arrive before its message (another instance delivered it first); the status follows with the message.
    const ops: AnyBulkWriteOperation<MessageDoc>[] = docs.map((d) => ({
      updateOne: { filter: { _id: d._id }, update: { $set: { status: deriveMessageStatus(d.initialStatus, destinations.get(d._id) ?? {}) } } },
    }));
    if (ops.length) await this.m.messages.bulkWrite(ops, { ordered: false });
  }

  private async destinationsOf(ids: string[]): Promise<Map<string, Record<string, T.DestinationState>>> {
    const out = new Map<string, Record<string, T.DestinationState>>();
    if (ids.length === 0) return out;
    const rows = await this.m.destinations.find({ messageId: { $in: ids } }).sort({ destination: 1 }).lean<DestinationDoc[]>();
    for (const r of rows) {
      const states = out.get(r.messageId) ?? {};
      states[r.destination] = { status: r.status, attempts: r.attempts };
      out.set(r.messageId, states);
    }
    return out;
  }
}

function messageUpdate(msg: T.JournalMessageInput): UpdateQuery<MessageDoc> {
  const set: Partial<MessageDoc> = {
    type: msg.type,
    source: msg.source,
    correlationId: msg.correlationId,
    receivedAt: new Date(msg.receivedAt),
    initialStatus: msg.initialStatus,
    routes: msg.routes,
    systems: [...new Set([msg.source, ...msg.routes.map((r) => r.destination)])],
  };
  if (msg.causationId) set.causationId = msg.causationId;
  if (msg.configVersion) set.configVersion = msg.configVersion;
  if (msg.rawNative) set.rawNative = msg.rawNative;
  // A document, not text, as before: older and newer records read back alike.
  const canonical = msg.canonicalJson !== undefined ? JSON.parse(msg.canonicalJson) : msg.canonical;
  if (canonical) set.canonical = canonical;
  if (msg.businessKeys?.length) set.businessKeys = msg.businessKeys;
  return { $set: set, $setOnInsert: { status: msg.initialStatus } };
}

/** The hop's change to its destination as update operators; null when the hop changes none. */
function destinationOp(messageId: string, hop: T.Hop): AnyBulkWriteOperation<DestinationDoc> | null {
  const change = destinationChange(hop);
  if (!change || !hop.destination) return null;
  const update: Record<string, Record<string, unknown>> = { $max: { updatedAt: new Date(hop.at) } };
  if (change.status) update.$set = { status: change.status };
  else update.$setOnInsert = { status: 'pending' };
  if (change.attempts === 'increment') update.$inc = { attempts: 1 };
  else if (typeof change.attempts === 'number') update.$max.attempts = change.attempts;
  else update.$setOnInsert = { ...update.$setOnInsert, attempts: 0 };
  return { updateOne: { filter: { messageId, destination: hop.destination }, update, upsert: true } };
}

function toMessage(doc: MessageDoc, destinations: Record<string, T.DestinationState>): T.JournalMessage {
  const message: T.JournalMessage = {
    id: doc._id,
    type: doc.type,
    source: doc.source,
    correlationId: doc.correlationId,
    receivedAt: doc.receivedAt.toISOString(),
    status: deriveMessageStatus(doc.initialStatus, destinations),
    routes: (doc.routes ?? []).map((r) => ({ route: r.route, destination: r.destination })),
    destinations,
  };
  if (doc.businessKeys?.length) message.businessKeys = doc.businessKeys;
  if (doc.causationId) message.causationId = doc.causationId;
  if (doc.configVersion) message.configVersion = doc.configVersion;
  if (doc.rawNative) message.rawNative = doc.rawNative;
  if (doc.canonical) message.canonical = doc.canonical as T.JournalMessage['canonical'];
  return message;
}
