import { describe, expect, it } from '@jest/globals';
import { hop, message } from '../store.fixtures';
import type { Hop, HopKind, JournalEvent, RouteRef } from '../store.types';
import { SqliteJournal } from './sqlite.journal';
import { JOURNAL_SCHEMA, openDatabase } from './sqlite.schema';

/** A small seeded generator, so a failing history can be run again. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const KINDS: HopKind[] = ['attempt', 'delivered', 'retry-scheduled', 'dead-lettered', 'replayed', 'discarded', 'query', 'duplicate-skipped'];
const DESTINATIONS = ['billing', 'printer', 'mail'];

/** A message and a history of hops for it; some hops may come before the message's record. */
function history(seed: number): { id: string; events: JournalEvent[] } {
  const next = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const routes: RouteRef[] = DESTINATIONS.filter(() => next() < 0.6).map((destination) => ({ route: `to-${destination}`, destination }));
  const m = message({ routes, initialStatus: routes.length ? 'accepted' : 'unrouted', receivedAt: '2026-12-07T06:00:00.000Z' });
  const hops: Hop[] = Array.from({ length: Math.floor(next() * 6) }, (_, i) => {
    const kind = pick(KINDS);
    const over: Partial<Hop> = { destination: next() < 0.9 ? pick(routes.length && next() < 0.9 ? routes.map((r) => r.destination) : DESTINATIONS) : undefined };
    if (next() < 0.5) over.attempt = 1 + Math.floor(next() * 3);
    if (kind === 'attempt' || kind === 'query') over.outcome = pick(['delivered', 'failed', 'answered', 'timeout']);
    return hop(kind, `2026-12-07T06:00:0${i + 1}.000Z`, over);
  });
  const events: JournalEvent[] = hops.map((h) => ({ kind: 'hop', messageId: m.id, hop: h }));
  // The record first (the usual order), after some of its hops (another instance was quicker), or twice.
  const at = next() < 0.7 ? 0 : Math.floor(next() * (events.length + 1));
  events.splice(at, 0, { kind: 'message', message: m });
  if (next() < 0.1) events.splice(Math.floor(next() * (events.length + 1)), 0, { kind: 'message', message: m });
  return { id: m.id, events };
}

function journal(db = openDatabase(':memory:', JOURNAL_SCHEMA)): SqliteJournal {
  return new SqliteJournal(db);
}

describe(SqliteJournal.name, () => {
  it('should record the same history whether a message and its hops come in one batch or one at a time', () => {
    const together = journal();
    const apart = journal();
    const split = journal();
    for (let seed = 1; seed <= 400; seed++) {
      const { id, events } = history(seed);
      together.append(events);
      for (const event of events) apart.append([event]);
      const cut = Math.floor(events.length / 2);
      split.append(events.slice(0, cut));
      split.append(events.slice(cut));
      const expected = apart.get(id);
      expect({ seed, history: together.get(id) }).toEqual({ seed, history: expected });
      expect({ seed, history: split.get(id) }).toEqual({ seed, history: expected });
      expect(together.search({ id }).items[0]?.status).toBe(expected?.message.status);
    }
  });

  it('should write a message delivered within its batch as delivered, with the attempt and the hop', () => {
    const sut = journal();
    const m = message({ routes: [{ route: 'r', destination: 'billing' }] });
    sut.append([
      { kind: 'message', message: m },
      { kind: 'hop', messageId: m.id, hop: hop('delivered', '2026-12-07T06:00:01.000Z', { attempt: 1, statusCode: 201 }) },
    ]);
    const history = sut.get(m.id);
    expect(history?.message.status).toBe('delivered');
    expect(history?.message.destinations).toEqual({ billing: { status: 'delivered', attempts: 1 } });
    expect(history?.hops.map((h) => h.kind)).toEqual(['received', 'routed', 'delivered']);
    expect(sut.search({ status: 'delivered' }).items.map((x) => x.id)).toEqual([m.id]);
    expect(sut.waiting()).toEqual({});
  });

  it('should count the waiting messages from the index of waiting destinations, not by reading every destination row', () => {
    const db = openDatabase(':memory:', JOURNAL_SCHEMA);
    const plans: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      if (sql.includes('GROUP BY d.destination')) plans.push(...(prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail));
      return prepare(sql);
    }) as typeof db.prepare;
    journal(db).waiting();
    expect(plans).toContain('SCAN d USING INDEX ix_jd_waiting');
  });
});
