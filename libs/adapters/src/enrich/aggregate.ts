import type { ConferenceSummary, PricedUsageRecord, UsageRecord } from '@bus/canonical-model';
import { billedQuantity, round, SECONDS_PER_UNIT, type Rounding } from './pricing';

/**
 * What the bus keeps per conference while its usage comes in (JSON-serialisable, for the store's kv).
 * Built by the pure functions below; the host persists it between records.
 */
export interface ConferenceTally {
  conferenceId: string;
  bookingId?: string;
  customerId: string;
  currency?: string;
  /** Usage ids already counted: a redelivered record is not counted twice. */
  usageIds: string[];
  /** Usage ids that could not be priced; while any is parked, no summary goes out (it would be wrong). */
  parkedIds: string[];
  /** Answered call legs. */
  participants: number;
  billedMinutes: number;
  /** In minor units (cents) to add without drift. */
  amountMinor: number;
  /** Records the host expects (e.g. counted per file at ingress); undefined when unknown. */
  expectedRecords?: number;
  /** Bus clock (epoch ms) when the last record arrived. */
  lastRecordAt: number;
  summarized: boolean;
}

export interface AggregationOptions {
  /** Summarize when no record came for this long. */
  quietMs: number;
  /** Must match the pricing step. @default 'per-started-unit' */
  rounding?: Rounding;
}

const start = (u: UsageRecord, now: Date): ConferenceTally => ({
  conferenceId: u.conferenceId ?? u.bookingId ?? u.usageId,
  ...(u.bookingId ? { bookingId: u.bookingId } : {}),
  customerId: u.customerId,
  usageIds: [],
  parkedIds: [],
  participants: 0,
  billedMinutes: 0,
  amountMinor: 0,
  lastRecordAt: now.getTime(),
  summarized: false,
});

/** The key a conference's tally is kept under: the bridge's conference id, else the booking. */
export const tallyKey = (u: UsageRecord): string => `conference:${u.conferenceId ?? u.bookingId ?? u.usageId}`;

/** Adds one priced call; a usage id seen before changes nothing (except lifting its parked state). */
export function addPriced(tally: ConferenceTally | undefined, usage: PricedUsageRecord, now: Date, rounding: Rounding = 'per-started-unit'): ConferenceTally {
  const t = tally ?? start(usage, now);
  const parkedIds = t.parkedIds.filter((id) => id !== usage.usageId);
  if (t.usageIds.includes(usage.usageId) && parkedIds.length === t.parkedIds.length) return t;
  if (t.currency && t.currency !== usage.pricing.currency) {
    throw new Error(`conference ${t.conferenceId}: usage ${usage.usageId} is priced in ${usage.pricing.currency}, earlier calls in ${t.currency}; one summary cannot mix currencies`);
  }
  return {
    ...t,
    currency: usage.pricing.currency,
    usageIds: t.usageIds.includes(usage.usageId) ? t.usageIds : [...t.usageIds, usage.usageId],
    parkedIds,
    participants: t.participants + (usage.disposition === 'answered' ? 1 : 0),
    billedMinutes: round(t.billedMinutes + billedMinutesOf(usage, rounding), 4),
    amountMinor: t.amountMinor + Math.round(usage.pricing.amount * 100),
    lastRecordAt: now.getTime(),
  };
}

/** The call's minutes as its pricing billed them (the summary is the sum of its lines), or recounted for a record priced without a quantity. */
function billedMinutesOf(usage: PricedUsageRecord, rounding: Rounding): number {
  const { quantity, unit } = usage.pricing;
  const per = unit ? SECONDS_PER_UNIT[unit] : undefined;
  if (quantity !== undefined && per) return (quantity * per) / 60;
  return billedQuantity(usage.billableSeconds, 'MIN', rounding) ?? 0;
}

/** Counts a call that was parked by pricing: it holds the summary back until it is replayed and priced. */
export function addParked(tally: ConferenceTally | undefined, usage: UsageRecord, now: Date): ConferenceTally {
  const t = tally ?? start(usage, now);
  if (t.usageIds.includes(usage.usageId)) return t;
  return { ...t, usageIds: [...t.usageIds, usage.usageId], parkedIds: [...t.parkedIds, usage.usageId], lastRecordAt: now.getTime() };
}

/** The host learned how many records of this conference a finished file held. */
export const expectRecords = (t: ConferenceTally, count: number): ConferenceTally => ({ ...t, expectedRecords: (t.expectedRecords ?? 0) + count });

/**
 * Whether the summary should go out now, and why: every expected record is in (`all-records-in`), or no
 * record came for `quietMs` (`quiet`). Never while a record is parked, and never twice.
 */
export function summaryDue(t: ConferenceTally, now: Date, options: AggregationOptions): 'all-records-in' | 'quiet' | undefined {
  if (t.summarized || t.parkedIds.length || !t.usageIds.length) return undefined;
  if (t.expectedRecords !== undefined && t.usageIds.length >= t.expectedRecords) return 'all-records-in';
  return now.getTime() - t.lastRecordAt >= options.quietMs ? 'quiet' : undefined;
}

/** The `conference.summarized` payload; mark the tally `summarized` once it is published. */
export function toSummary(t: ConferenceTally): ConferenceSummary {
  if (!t.currency) throw new Error(`conference ${t.conferenceId}: no priced call yet, so no currency; wait for summaryDue()`);
  return {
    conferenceId: t.conferenceId,
    ...(t.bookingId ? { bookingId: t.bookingId } : {}),
    customerId: t.customerId,
    participants: t.participants,
    billableMinutes: t.billedMinutes,
    amount: t.amountMinor / 100,
    currency: t.currency,
  };
}

export const markSummarized = (t: ConferenceTally): ConferenceTally => ({ ...t, summarized: true });
