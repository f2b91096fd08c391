import type { CallDisposition, CanonicalDraft, CanonicalEnvelope, UsageRecordedV1 } from '@bus/canonical-model';
import { MappingError } from '../../adapter.errors';
import type { SystemMapping } from '../mapping';
import { isKnownTimeZone, localToUtc } from './local-time';

/** Asterisk `Master.csv` columns, in file order (no header line in the file). */
export const MASTER_CSV_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield',
] as const;

export type MasterCsvColumn = (typeof MASTER_CSV_COLUMNS)[number];

/** One CDR as the file adapter decodes it with `csvColumns: MASTER_CSV_COLUMNS`. */
export type MasterCsvRecord = Record<MasterCsvColumn, string>;

/** Payload of `usage.recorded` (see UsageRecordedV1 in the canonical model). */
export type UsageRecordedPayload = Omit<UsageRecordedV1, 'pricing'>;

const DISPOSITIONS: Record<string, CallDisposition> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no-answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CONGESTION: 'congestion',
};

const col = (name: MasterCsvColumn) => MASTER_CSV_COLUMNS.indexOf(name) + 1;

/**
 * The conference bridge's call records (Asterisk Master.csv rows) -> `usage.recorded`.
 *
 * Code rather than JSONata because the bridge writes local wall-clock times of its own zone and
 * JSONata has no time-zone database: a fixed offset would be wrong for half the year. The zone is an
 * IANA name set per system in bus.yaml as `inbound.meta.timeZone` (file adapter), read here from `$meta`.
 *
 * Each problem is a MappingError located at `file <name> line <n> column <c> (<column name>)`, so the
 * file's report and the dead letter name the cell to fix.
 */
export const bridgeCdrMapper = (): SystemMapping => ({
  outboundTypes: [],
  asks: [],
  answers: [],
  async toCanonical(native: unknown, meta: Record<string, unknown> = {}): Promise<CanonicalDraft[]> {
    const where = (column?: MasterCsvColumn) =>
      [meta.fileName && `file ${meta.fileName}`, meta.line !== undefined && `line ${meta.line}`, column && `column ${col(column)} (${column})`]
        .filter(Boolean)
        .join(' ') || 'bridge CDR';
    const fail = (column: MasterCsvColumn | undefined, reason: string): never => {
      throw new MappingError(`bridge CDR ${where(column)}: ${reason}`, where(column));
    };
    if (typeof meta.error === 'string') fail(undefined, `${meta.error} (the line did not parse; fix it in the dead letter)`);
    const zone = meta.timeZone;
    if (typeof zone !== 'string' || !isKnownTimeZone(zone)) {
      fail(undefined, `the bridge's time zone ${JSON.stringify(zone)} is not an IANA zone; set inbound.meta.timeZone (e.g. Europe/Berlin) for this system`);
    }
    if (typeof native !== 'object' || native === null || Array.isArray(native)) {
      fail(undefined, 'expected one record as an object keyed by the Master.csv column names; set inbound.csvColumns');
    }
    const r = native as Partial<MasterCsvRecord>;
    const text = (c: MasterCsvColumn) => (typeof r[c] === 'string' ? (r[c] as string).trim() : fail(c, 'is missing'));
    const required = (c: MasterCsvColumn, what: string) => text(c) || fail(c, `is empty; it carries ${what}`);
    const time = (c: MasterCsvColumn) => {
      try {
        return localToUtc(text(c), zone as string);
      } catch (e) {
        return fail(c, (e as Error).message);
      }
    };
    const seconds = (c: MasterCsvColumn) => {
      const v = text(c);
      if (!/^-?\d+$/.test(v)) fail(c, `"${v}" is not a whole number of seconds`);
      const n = Number(v);
      if (n < 0) fail(c, `${n} is negative`);
      return n;
    };

    const customerId = required('accountcode', 'the customer id');
    const bookingId = required('userfield', 'the booking reference');
    const usageId = required('uniqueid', 'the call id');
    const startedAt = time('start');
    const answeredAt = text('answer') ? time('answer') : undefined;
    const endedAt = time('end');
    const durationSeconds = seconds('duration');
    const billableSeconds = seconds('billsec');
    if (endedAt < startedAt) fail('end', `the call ends (${endedAt}) before it starts (${startedAt})`);
    if (billableSeconds > durationSeconds) fail('billsec', `${billableSeconds} s billable is more than the ${durationSeconds} s duration`);
    const disposition = DISPOSITIONS[text('disposition').toUpperCase()] ?? fail('disposition', `"${text('disposition')}" is not one of ${Object.keys(DISPOSITIONS).join(', ')}`);

    const payload: UsageRecordedPayload = {
      usageId,
      customerId,
      bookingId,
      ...(text('lastdata') ? { conferenceId: text('lastdata') } : {}),
      // The number, not the clid: names in caller ids are whatever the caller's phone sends.
      caller: text('src') || text('clid') || 'unknown',
      startedAt,
      ...(answeredAt ? { answeredAt } : {}),
      endedAt,
      durationSeconds,
      billableSeconds,
      disposition,
    };
    // uniqueid is unique per call leg on one Asterisk: with `dedupKey: payload.usageId` a re-exported record is not published again.
    return [{ type: 'usage.recorded', occurredAt: endedAt, nativeId: `cdr-${usageId}`, payload }];
  },
  async fromCanonical(envelope: CanonicalEnvelope): Promise<unknown> {
    throw new MappingError(`the bridge-cdr mapper only reads call records; message ${envelope.id} (${envelope.type}) cannot be sent to this system (route it to the bridge's http system)`);
  },
});
