import type { CallDisposition, CanonicalDraft, CanonicalEnvelope, UsageRecordedV1 } from '@bus/canonical-model';
import { MappingError } from '../../adapter.errors';
import type { SystemMapping } from '../mapping';
import { isKnownTimeZone, localToUtc } from './local-time';

/** Asterisk `Master.csv` columns of `cdr_csv` (loguniqueid and loguserfield on), in file order (no header line in the file). */
export const MASTER_CSV_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield',
] as const;

/** The longer column set newer Asterisk versions write: the classic columns, then `peeraccount`, `linkedid`, `sequence`. */
export const MASTER_CSV_COLUMNS_LONG = [...MASTER_CSV_COLUMNS, 'peeraccount', 'linkedid', 'sequence'] as const;

export type MasterCsvColumn = (typeof MASTER_CSV_COLUMNS_LONG)[number];

/** One CDR as the file adapter decodes it with `csvColumns: MASTER_CSV_COLUMNS` (the last three only with the long set). */
export type MasterCsvRecord = Record<(typeof MASTER_CSV_COLUMNS)[number], string> & Partial<Record<MasterCsvColumn, string>>;

/** Dialplan applications whose legs are conference legs: their first argument is the conference id. */
const CONFERENCE_APPS = ['confbridge', 'meetme'];

/**
 * Which legs are billed, from `inbound.meta` (comma-separated lists, compared without case):
 * `billableApps` (lastapp; default `ConfBridge,MeetMe`), `billableDispositions` (default: all),
 * `billableContexts` (dcontext; default: all). A leg outside them is still recorded, with `billable: false`.
 */
export interface BillableLegs {
  apps?: string[];
  dispositions?: string[];
  contexts?: string[];
}

const listOf = (value: unknown): string[] | undefined =>
  typeof value === 'string' && value.trim() ? value.split(',').map((v) => v.trim().toUpperCase()).filter(Boolean) : undefined;

/** `ConfBridge(CONF-1001,default_bridge,default_user)` is logged as lastdata `CONF-1001,default_bridge,default_user`; old Asterisk separates with `|`. */
export const conferenceIdOf = (lastapp: string, lastdata: string): string | undefined =>
  CONFERENCE_APPS.includes(lastapp.toLowerCase()) ? lastdata.split(/[,|]/)[0].trim() || undefined : undefined;

/** Payload of `usage.recorded` (see UsageRecordedV1 in the canonical model). */
export type UsageRecordedPayload = Omit<UsageRecordedV1, 'pricing'>;

const DISPOSITIONS: Record<string, CallDisposition> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no-answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CONGESTION: 'congestion',
};

const col = (name: MasterCsvColumn) => MASTER_CSV_COLUMNS_LONG.indexOf(name) + 1;

/**
 * The conference bridge's call records (Asterisk Master.csv rows) -> `usage.recorded`.
 *
 * Code rather than JSONata because the bridge writes local wall-clock times of its own zone and
 * JSONata has no time-zone database: a fixed offset would be wrong for half the year. The zone is an
 * IANA name set per system in bus.yaml as `inbound.meta.timeZone` (file adapter), read here from `$meta`.
 *
 * Each problem is a MappingError located at `file <name> line <n> column <c> (<column name>)`, so the
 * file's report and the dead letter name the cell to fix.
 *
 * Which legs are billable is the system's config (see {@link BillableLegs}), not this code: a bridge
 * that also logs ordinary `Dial` legs in the same Master.csv keeps them out of conference minutes.
 * `userfield` is empty on most real rows; it carries the booking reference only when the dialplan sets it.
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
    const billing = { apps: listOf(meta.billableApps) ?? ['CONFBRIDGE', 'MEETME'], dispositions: listOf(meta.billableDispositions), contexts: listOf(meta.billableContexts) };
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
    const bookingId = text('userfield') || undefined;
    const usageId = required('uniqueid', 'the call id');
    const startedAt = time('start');
    const answeredAt = text('answer') ? time('answer') : undefined;
    const endedAt = time('end');
    const durationSeconds = seconds('duration');
    const billableSeconds = seconds('billsec');
    if (endedAt < startedAt) fail('end', `the call ends (${endedAt}) before it starts (${startedAt})`);
    if (billableSeconds > durationSeconds) fail('billsec', `${billableSeconds} s billable is more than the ${durationSeconds} s duration`);
    const disposition = DISPOSITIONS[text('disposition').toUpperCase()] ?? fail('disposition', `"${text('disposition')}" is not one of ${Object.keys(DISPOSITIONS).join(', ')}`);

    const conferenceId = conferenceIdOf(text('lastapp'), text('lastdata'));
    const billable =
      billing.apps.includes(text('lastapp').toUpperCase()) &&
      (!billing.dispositions || billing.dispositions.includes(text('disposition').toUpperCase())) &&
      (!billing.contexts || billing.contexts.includes(text('dcontext').toUpperCase()));

    const payload: UsageRecordedPayload = {
      usageId,
      customerId,
      ...(bookingId ? { bookingId } : {}),
      ...(conferenceId ? { conferenceId } : {}),
      ...(billable ? {} : { billable: false }),
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
