import type { BusStore } from '../bus-store';
import { uid } from '../store.fixtures';

/**
 * The store operations that keep one message from reaching a destination twice: ingress claims
 * with a state (a publish of unknown outcome vs a confirmed one) and the delivery lease.
 */
export function runDeliveryOnceContract(store: () => BusStore): void {
  describe('ingress claim states', () => {
    it('should start a claim unconfirmed and give it back with its ids to a later claim', async () => {
      const key = uid('key');
      expect(await store().claimIngressKey('sales', key, 'm1', 'c1')).toEqual({ messageId: 'm1', correlationId: 'c1', duplicate: false, state: 'claimed' });
      expect(await store().claimIngressKey('sales', key, 'm2', 'c2')).toEqual({ messageId: 'm1', correlationId: 'c1', duplicate: true, state: 'claimed' });
    });

    it('should answer a claim confirmed once its publish was confirmed', async () => {
      const key = uid('key');
      await store().claimIngressKey('sales', key, 'm1', 'c1');
      await store().confirmIngressKey('sales', key, 'm1');
      expect(await store().claimIngressKey('sales', key, 'm2', 'c2')).toEqual({ messageId: 'm1', correlationId: 'c1', duplicate: true, state: 'confirmed' });
    });

    it('should confirm only the claim of the message that holds the key', async () => {
      const key = uid('key');
      await store().claimIngressKey('sales', key, 'm1');
      await store().confirmIngressKey('sales', key, 'other');
      expect((await store().claimIngressKey('sales', key, 'm2')).state).toBe('claimed');
    });

    it('should give two concurrent retries of an unconfirmed claim the same original ids', async () => {
      const key = uid('key');
      await store().claimIngressKey('sales', key, 'm1', 'c1');
      const retries = await Promise.all([store().claimIngressKey('sales', key, 'r1', 'x1'), store().claimIngressKey('sales', key, 'r2', 'x2')]);
      expect(retries.map((c) => [c.messageId, c.correlationId, c.state])).toEqual([
        ['m1', 'c1', 'claimed'],
        ['m1', 'c1', 'claimed'],
      ]);
    });
  });

  describe('delivery lease', () => {
    const lease = 60_000;

    it('should let one owner claim a pair and report it held to another', async () => {
      const id = uid('msg');
      const claim = await store().claimDelivery(id, 'billing', 'a', lease);
      expect(claim).toEqual({ state: 'claimed', expiresAt: expect.any(Number) });
      expect(await store().claimDelivery(id, 'billing', 'b', lease)).toEqual({ state: 'held', owner: 'a', expiresAt: (claim as { expiresAt: number }).expiresAt });
      expect((await store().claimDelivery(id, 'archive', 'b', lease)).state).toBe('claimed');
    });

    it('should renew the lease for its own owner', async () => {
      const id = uid('msg');
      await store().claimDelivery(id, 'billing', 'a', 1);
      const renewed = await store().claimDelivery(id, 'billing', 'a', lease);
      expect(renewed.state).toBe('claimed');
      expect((await store().claimDelivery(id, 'billing', 'b', lease)).state).toBe('held');
    });

    it('should let exactly one of two concurrent claimers win', async () => {
      const id = uid('msg');
      const claims = await Promise.all([store().claimDelivery(id, 'billing', 'a', lease), store().claimDelivery(id, 'billing', 'b', lease)]);
      expect(claims.map((c) => c.state).sort()).toEqual(['claimed', 'held']);
    });

    it('should let another owner take over a lease whose holder died', async () => {
      const id = uid('msg');
      await store().claimDelivery(id, 'billing', 'dead', -1);
      expect((await store().claimDelivery(id, 'billing', 'b', lease)).state).toBe('claimed');
      expect(await store().claimDelivery(id, 'billing', 'dead', lease)).toMatchObject({ state: 'held', owner: 'b' });
    });

    it('should free the pair when its holder releases it, and only its holder', async () => {
      const id = uid('msg');
      await store().claimDelivery(id, 'billing', 'a', lease);
      await store().releaseDelivery(id, 'billing', 'b');
      expect((await store().claimDelivery(id, 'billing', 'b', lease)).state).toBe('held');
      await store().releaseDelivery(id, 'billing', 'a');
      expect((await store().claimDelivery(id, 'billing', 'b', lease)).state).toBe('claimed');
    });

    it('should report a recorded pair delivered to every later claimer, holder or not', async () => {
      const id = uid('msg');
      await store().claimDelivery(id, 'billing', 'a', lease);
      await store().recordDelivered(id, 'billing', { status: 200 });
      expect(await store().claimDelivery(id, 'billing', 'b', lease)).toEqual({ state: 'delivered' });
      expect(await store().claimDelivery(id, 'billing', 'a', lease)).toEqual({ state: 'delivered' });
    });

    it('should report delivered even when the pair was recorded without a claim', async () => {
      const id = uid('msg');
      await store().recordDelivered(id, 'billing');
      expect(await store().claimDelivery(id, 'billing', 'a', lease)).toEqual({ state: 'delivered' });
      // The delivered answer leaves no lease behind to hold others up.
      expect(await store().claimDelivery(id, 'billing', 'b', lease)).toEqual({ state: 'delivered' });
    });
  });
}
