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
/** Per zone: the offset of each minute met so far, keyed by the minute's wall-clock time counted as UTC minutes. */
const minuteOffsets = new Map<string, Map<number, number>>();

/**
 * `2026-11-28 10:00:00` in `Europe/Berlin` -> `2026-11-28T09:00:00.000Z`.
 * In the hour that repeats when clocks go back, the earlier instant (summer time) is taken.
 * Throws with a reason when the text is not `YYYY-MM-DD HH:MM:SS`, is not a calendar time, or does
 * not exist in the zone (the hour skipped when clocks go forward).
 */
export function localToUtc(text: string, timeZone: string): string {
  const asUtc = wallClockAsUtc(text);
  // CDR files hold many calls of the same minutes: remember each minute's offset (transitions fall on whole minutes).
  let offsets = minuteOffsets.get(timeZone);
  if (!offsets) minuteOffsets.set(timeZone, (offsets = new Map()));
  const minute = Math.floor(asUtc / 60_000);
  const known = offsets.get(minute);
  if (known !== undefined) return new Date(asUtc - known).toISOString();
  // Two candidates: the offsets just before and after any transition near this time.
  const candidates = [offsetAt(asUtc - 86_400_000 / 2, timeZone), offsetAt(asUtc + 86_400_000 / 2, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((ms) => Date.UTC(...(wallClock(ms, timeZone).map((v, i) => (i === 1 ? v - 1 : v)) as [number, number, number, number, number, number])) === asUtc)
    .sort((a, b) => a - b);
  if (!candidates.length) throw new Error(`"${text}" does not exist in ${timeZone} (clocks went forward)`);
  if (offsets.size >= MAX_CACHED) offsets.delete(offsets.keys().next().value as number);
  offsets.set(minute, asUtc - candidates[0]);
  return new Date(candidates[0]).toISOString();
}

/** `YYYY-MM-DD HH:MM:SS` (or with `T`) read as if it were UTC, in ms; read by position, as every row of a file calls this. */
function wallClockAsUtc(text: string): number {
  const shaped =
    text.length === 19 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    (text.charCodeAt(10) === 32 || text.charCodeAt(10) === 84) &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58;
  const notShaped = () => new Error(`"${text}" is not a time of the form YYYY-MM-DD HH:MM:SS`);
  if (!shaped) throw notShaped();
  const y = number(text, 0, 4);
  const mo = number(text, 5, 2);
  const d = number(text, 8, 2);
  const h = number(text, 11, 2);
  const mi = number(text, 14, 2);
  const s = number(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) throw notShaped();
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new Error(`"${text}" is not a calendar time`);
  }
  return asUtc;
}

/** The decimal number of `length` digits at `from`, or -1 when one of them is not a digit. */
function number(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
