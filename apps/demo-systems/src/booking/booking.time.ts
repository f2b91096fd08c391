/** UTC offset (`+01:00`) of an IANA zone at an instant. */
export function utcOffsetAt(instant: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00';
}

const toMinutes = (offset: string) => (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));

/** The office's offset for a local date and time (`2026-12-03`, `10:00`) in `timeZone`. */
export function utcOffsetOfLocal(date: string, time: string, timeZone: string): string {
  const guess = new Date(`${date}T${time}:00Z`);
  const first = utcOffsetAt(guess, timeZone);
  // The offset at the guessed instant may be the other side of a transition: check at the corrected instant.
  return utcOffsetAt(new Date(guess.getTime() - toMinutes(first) * 60_000), timeZone);
}

/** `2026-11-28T10:00:00+01:00`: how the desk writes timestamps. */
export function deskTimestamp(instant: Date, timeZone: string): string {
  const offset = utcOffsetAt(instant, timeZone);
  const local = new Date(instant.getTime() + toMinutes(offset) * 60_000).toISOString().slice(0, 19);
  return `${local}${offset}`;
}
