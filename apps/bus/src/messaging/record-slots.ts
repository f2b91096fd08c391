/**
 * At most `size` records delivered at once by one consumer. The broker's prefetch counts AMQP messages,
 * and a bundle is one message of many records, so without this a destination would see up to prefetch
 * times the bundle size at once.
 */
export class RecordSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
