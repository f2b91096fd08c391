import type { Conference, SimulatedCall } from './bridge.types';

/** Asterisk `Master.csv` columns in file order; the file has no header line. */
export const MASTER_CSV_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield',
] as const;

export type CdrRecord = Record<(typeof MASTER_CSV_COLUMNS)[number], string>;

/** The extension participants reach the conference application on. */
export const CONFERENCE_EXTENSION = '8000';

/** `YYYY-MM-DD HH:MM:SS` wall-clock time in `timeZone`, as Asterisk writes CDR times. */
export function asteriskTime(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** Asterisk's cdr_csv quotes every field and doubles quotes inside. */
export const toMasterCsvLine = (r: CdrRecord): string => MASTER_CSV_COLUMNS.map((c) => `"${r[c].replace(/"/g, '""')}"`).join(',');

/**
 * CDRs for simulated call legs of a conference. Without explicit calls, every expected participant
 * (at least two callers) joins at the start and stays for the booked duration.
 */
export function simulateCdrs(conf: Conference, calls: SimulatedCall[] | undefined, options: { start: Date; timeZone: string; firstSeq: number }): CdrRecord[] {
  const legs: SimulatedCall[] = calls?.length
    ? calls
    : (conf.participants.length ? conf.participants : [{ name: 'Caller 1' }, { name: 'Caller 2' }]).map((p, i) => ({
        src: 'phone' in p && p.phone ? p.phone : undefined,
        name: p.name,
        offsetSec: i * 7,
      }));
  return legs.map((leg, i) => {
    const seq = options.firstSeq + i;
    const src = leg.src ?? `+49301000${String(seq).padStart(3, '0')}`;
    const disposition = leg.disposition ?? 'ANSWERED';
    const answered = disposition === 'ANSWERED';
    const ring = leg.ringSec ?? 3;
    const talk = answered ? (leg.talkSec ?? conf.durationMin * 60) : 0;
    const start = new Date(options.start.getTime() + (leg.offsetSec ?? 0) * 1000);
    const answer = new Date(start.getTime() + ring * 1000);
    const end = new Date(answer.getTime() + talk * 1000);
    return {
      accountcode: conf.accountCode,
      src,
      dst: CONFERENCE_EXTENSION,
      dcontext: 'conferences',
      clid: leg.name ? `"${leg.name}" <${src}>` : `<${src}>`,
      channel: `SIP/trunk-${seq.toString(16).padStart(8, '0')}`,
      dstchannel: '',
      lastapp: 'ConfBridge',
      // As Asterisk logs ConfBridge(CONF-1001,default_bridge,default_user): the application's arguments, comma-separated.
      lastdata: `${conf.conferenceId},default_bridge,default_user`,
      start: asteriskTime(start, options.timeZone),
      answer: answered ? asteriskTime(answer, options.timeZone) : '',
      end: asteriskTime(end, options.timeZone),
      duration: String(ring + talk),
      billsec: String(talk),
      disposition,
      amaflags: 'DOCUMENTATION',
      uniqueid: `${Math.floor(start.getTime() / 1000)}.${seq}`,
      userfield: conf.bookingRef,
    };
  });
}
