import { instanceOwner } from '../instances/instance-owner';
import { Logger } from '@nestjs/common';
import type { BusStore } from '../store/bus-store';

/**
 * How long a delivery claim lives without renewal. A live holder renews it every third of that, so
 * only a holder that died (SIGKILL, lost host) lets it expire; its copy is then taken over after at
 * most this long.
 */
export const DELIVERY_LEASE_MS = 30_000;

/** Longest pause between two looks at a claim held by another copy. */
const MAX_POLL_MS = 500;

/** What a copy may do: skip it (the ledger has the pair), or send it under the lease it now holds. */
export type SendPermit = { kind: 'delivered' } | { kind: 'send'; lease: DeliveryLease };

/**
 * One send at a time per (message, destination), across every bus instance sharing the store. Two
 * copies of one message can meet at a destination (a redelivery and a replay, two instances, a
 * sender's retry published again); the one that gets the lease sends and records, the other waits
 * for the outcome instead of sending too, and is then skipped (recorded) or sends (the holder failed
 * and let go, or died and its lease expired). Waiting costs the copy nothing of its retry budget.
 */
export class DeliveryLeases {
  private readonly logger = new Logger('delivery');
  /** Each copy gets its own owner name, so two copies in one process exclude each other as well. */
  private readonly instance = instanceOwner();
  private seq = 0;

  constructor(
    private readonly store: BusStore,
    private readonly leaseMs: number = DELIVERY_LEASE_MS,
  ) {}

  async acquire(messageId: string, destination: string): Promise<SendPermit> {
    const owner = `${this.instance}#${++this.seq}`;
    let heldBy: { owner: string; expiresAt: number } | undefined;
    for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, MAX_POLL_MS)) {
      const claim = await this.store.claimDelivery(messageId, destination, owner, this.leaseMs);
      if (claim.state === 'delivered') return { kind: 'delivered' };
      if (claim.state === 'claimed') {
        if (heldBy && Date.now() >= heldBy.expiresAt) {
          this.logger.warn(`Took over the delivery of message ${messageId} to ${destination} from ${heldBy.owner}, whose claim expired unrenewed (that instance stopped mid-send); sending it with the same Idempotency-Key.`);
        }
        return { kind: 'send', lease: new DeliveryLease(this.store, this.logger, messageId, destination, owner, this.leaseMs) };
      }
      heldBy = claim;
      // Held: look again soon, and no later than the holder's lease runs out.
      await sleep(Math.max(1, Math.min(pauseMs, claim.expiresAt - Date.now() + 1)));
    }
  }
}

/** The right to send one (message, destination) now; recording the delivery ends it. */
export class DeliveryLease {
  constructor(
    private readonly store: BusStore,
    private readonly logger: Logger,
    readonly messageId: string,
    readonly destination: string,
    readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /** Runs `work` (the send) while renewing the lease, so a slow but live send is never taken over. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** After a failed send: another copy may try at once. An error is harmless, the lease then expires. */
  async release(): Promise<void> {
    await this.store.releaseDelivery(this.messageId, this.destination, this.owner).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    try {
      const claim = await this.store.claimDelivery(this.messageId, this.destination, this.owner, this.leaseMs);
      if (claim.state === 'held') {
        this.logger.warn(
          `Delivery claim of message ${this.messageId} for ${this.destination} was taken over by ${claim.owner} while this instance was still sending ` +
            `(the event loop or the store stalled longer than ${this.leaseMs} ms); the destination may get it twice, with the same Idempotency-Key.`,
        );
      }
    } catch (err) {
      this.logger.warn(`Could not renew the delivery claim of message ${this.messageId} for ${this.destination}: ${(err as Error).message}. It expires in ${this.leaseMs} ms unless a later renewal works.`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
