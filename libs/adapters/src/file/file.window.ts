/** One record handed to the bus, and its answer once the bus gave it. */
export interface WindowSlot<T, R> {
  line: number;
  item: T;
  /** Set once answered: the bus's resolved value, or the rejection. */
  answer?: { ok: true; value: R } | { ok: false; error: unknown };
}

/**
 * The records of one file that are with the bus at once. A record may start when its line is fewer
 * than `size` lines after the oldest unanswered one, so one slow record bounds how far ahead the reader
 * gets (and what a crash makes it read again). Answers are taken back in line order only: counts and
 * checkpoints never pass a line the bus has not answered, whatever order the answers come in.
 */
export class RecordWindow<T, R> {
  /** Started records not yet taken back, in line order. */
  private readonly slots: WindowSlot<T, R>[] = [];
  private wake?: () => void;

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`recordsInFlight must be an integer >= 1, not ${size}`);
  }

  /** Records started and not yet taken back. */
  get length(): number {
    return this.slots.length;
  }

  /** Whether a record on `line` may start now: nothing is unanswered, or the oldest unanswered is close enough. */
  fits(line: number): boolean {
    const oldest = this.slots.find((s) => !s.answer);
    return !oldest || line - oldest.line < this.size;
  }

  /** Hands `item` (on `line`, after every line started before) to `send` without waiting for its answer. */
  start(line: number, item: T, send: (item: T) => Promise<R>): void {
    const slot: WindowSlot<T, R> = { line, item };
    this.slots.push(slot);
    const settle = (answer: WindowSlot<T, R>['answer']) => {
      slot.answer = answer;
      this.notify();
    };
    let sent: Promise<R>;
    try {
      sent = send(item);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  }

  /** Removes and returns the answered records at the front, in line order; stops at the first unanswered one. */
  takeAnswered(): WindowSlot<T, R>[] {
    let n = 0;
    while (n < this.slots.length && this.slots[n].answer) n++;
    return this.slots.splice(0, n);
  }

  /** Resolves at the next answer (at once when an answer is waiting to be taken, or nothing is in flight). */
  nextAnswer(): Promise<void> {
    if (this.slots.length === 0 || this.slots[0].answer) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Resolves once every started record has its answer (taken back or not). */
  async settled(): Promise<void> {
    while (this.slots.some((s) => !s.answer)) {
      await new Promise<void>((resolve) => {
        const previous = this.wake;
        this.wake = () => {
          previous?.();
          resolve();
        };
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
