/**
 * A clock that never returns the same instant twice. Stand-ins build Idempotency-Keys from
 * record id + last-modified time; two edits in one millisecond must still be two events.
 */
export class MonotonicClock {
  private last = 0;

  constructor(private readonly source: () => Date = () => new Date()) {}

  now(): Date {
    const t = Math.max(this.source().getTime(), this.last + 1);
    this.last = t;
    return new Date(t);
  }
}
