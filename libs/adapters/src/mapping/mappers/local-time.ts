/**
 * Wall-clock times of a named IANA zone -> UTC, with the tz database the JS runtime ships (Intl).
 * JSONata has no time-zone database, so mappings that must read local times use this from code.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: the caller turns it into a config message.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the zone, e.g. `Europe/Berlin`. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(ms: number, timeZone: string): number[] {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** Offset of the zone from UTC at an instant, in ms (Berlin in winter: +3 600 000). */
function offsetAt(ms: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(ms, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

const MAX_CACHED = 10_000;
const minuteOffsets = new Map<string, number>();

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * `2026-11-28 10:00:00` in `Europe/Berlin` -> `2026-11-28T09:00:00.000Z`.
 * In the hour that repeats when clocks go back, the earlier instant (summer time) is taken.
 * Throws with a reason when the text is not `YYYY-MM-DD HH:MM:SS`, is not a calendar time, or does
 * not exist in the zone (the hour skipped when clocks go forward).
 */
export function localToUtc(text: string, timeZone: string): string {
  const m = LOCAL.exec(text);
  if (!m) throw new Error(`"${text}" is not a time of the form YYYY-MM-DD HH:MM:SS`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new Error(`"${text}" is not a calendar time`);
  }
  // CDR files hold many calls of the same minutes: remember each minute's offset (transitions fall on whole minutes).
  const key = `${timeZone}|${text.slice(0, 16)}`;
  const known = minuteOffsets.get(key);
  if (known !== undefined) return new Date(asUtc - known).toISOString();
  // Two candidates: the offsets just before and after any transition near this time.
  const candidates = [offsetAt(asUtc - 86_400_000 / 2, timeZone), offsetAt(asUtc + 86_400_000 / 2, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((ms) => Date.UTC(...(wallClock(ms, timeZone).map((v, i) => (i === 1 ? v - 1 : v)) as [number, number, number, number, number, number])) === asUtc)
    .sort((a, b) => a - b);
  if (!candidates.length) throw new Error(`"${text}" does not exist in ${timeZone} (clocks went forward)`);
  if (minuteOffsets.size >= MAX_CACHED) minuteOffsets.delete(minuteOffsets.keys().next().value as string);
  minuteOffsets.set(key, asUtc - candidates[0]);
  return new Date(candidates[0]).toISOString();
}
