import type { Acks } from './ack-batcher';

/**
 * The acks of a bundle's records: each record settles on its own (delivered, or its retry or dead-letter
 * copy confirmed), and the bundle is acked once all have; if any asked to be put back (its copy could not
 * be published), the whole bundle is, and the records already delivered are skipped by the delivery ledger
 * when it comes back. A record that never settles (cancelled before it ran) leaves the bundle unacked, so
 * the broker requeues it with the channel.
 */
export class BundleAcks implements Acks {
  private left: number;
  private requeue = false;

  constructor(
    private readonly acks: Acks,
    private readonly deliveryTag: number,
    records: number,
  ) {
    this.left = records;
  }

  get isDiscarded(): boolean {
    return this.acks.isDiscarded;
  }

  ack(): void {
    this.settle();
  }

  nack(_deliveryTag: number, requeue: boolean): void {
    if (requeue) this.requeue = true;
    this.settle();
  }

  private settle(): void {
    if (--this.left > 0) return;
    if (this.requeue) this.acks.nack(this.deliveryTag, true);
    else this.acks.ack(this.deliveryTag);
  }
}
