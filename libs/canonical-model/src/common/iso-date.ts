/**
 * The two ISO-8601 shapes the canonical model carries, `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)`,
 * read character by character: true when the text has one of them and names a real calendar day and time,
 * which validator's isISO8601 accepts in every mode. False means "not shown here": anything else (other
 * shapes, and every invalid date) is left to validator, so this only ever saves it work.
 */
export function isCommonIsoDate(s: string): boolean {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH) return false;
  const century = twoDigits(s, 0);
  const rest = twoDigits(s, 2);
  // validator rebuilds the day as `${year}-MM-DD` without padding the year, which Date misreads below 1000.
  if (century < 10 || rest < 0) return false;
  const year = century * 100 + rest;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (n === 10) return true;
  if (n < 20 || s.charCodeAt(10) !== T || s.charCodeAt(13) !== COLON || s.charCodeAt(16) !== COLON) return false;
  if (!inRange(twoDigits(s, 11), 23) || !inRange(twoDigits(s, 14), 59) || !inRange(twoDigits(s, 17), 59)) return false;
  let i = 19;
  if (s.charCodeAt(i) === DOT) {
    const first = ++i;
    while (i < n && digitAt(s, i) >= 0) i++;
    if (i === first) return false;
  }
  if (i === n - 1) return s.charCodeAt(i) === Z;
  if (i !== n - 6) return false;
  const sign = s.charCodeAt(i);
  return (sign === PLUS || sign === DASH) && inRange(twoDigits(s, i + 1), 23) && s.charCodeAt(i + 3) === COLON && inRange(twoDigits(s, i + 4), 59);
}

const DASH = 45;
const PLUS = 43;
const DOT = 46;
const COLON = 58;
const T = 84;
const Z = 90;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of a month in the proleptic Gregorian calendar, as JavaScript's Date counts them. */
function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number the two digits at `i` write, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

const inRange = (value: number, max: number): boolean => value >= 0 && value <= max;
