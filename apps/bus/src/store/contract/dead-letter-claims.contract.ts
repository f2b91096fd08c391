import type { BusStore } from '../bus-store';
import type { DeadLetterInput } from '../store.types';
import { envelope, uid } from '../store.fixtures';

const LEASE_MS = 60_000;

/** Dead-letter claims, idempotent indexing and open counts: the part of the store contract replays rely on (see runStoreContract). */
export function runDeadLetterClaimsContract(store: () => BusStore): void {
  const letter = (over: Partial<DeadLetterInput> = {}): DeadLetterInput => {
    const messageId = over.messageId ?? uid('msg');
    return {
      messageId, destination: 'billing', type: 'customer.updated', source: 'sales', errorCode: 'DELIVERY.TRANSIENT',
      errorMessage: 'billing answered 500', attempts: 1, envelope: envelope(messageId), ...over,
    };
  };

  describe('dead-letter claims', () => {
    it('should let exactly one of two concurrent claims win', async () => {
      const d = await store().recordDeadLetter(letter());

      const claims = await Promise.all([store().claimDeadLetter(d.id, 'replay-a', LEASE_MS), store().claimDeadLetter(d.id, 'replay-b', LEASE_MS)]);

      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
      const winner = claims.find((c) => c.claimed)!.letter!;
      expect(winner).toMatchObject({ id: d.id, state: 'replaying', claimedAt: expect.any(String) });
      expect(claims.find((c) => !c.claimed)!.letter).toMatchObject({ state: 'replaying', claimedBy: winner.claimedBy });
    });

    it('should let only the claimer complete the replay, and refuse a second claim once replayed', async () => {
      const d = await store().recordDeadLetter(letter());
      await store().claimDeadLetter(d.id, 'replay-a', LEASE_MS);

      expect(await store().completeDeadLetterClaim(d.id, 'replay-b')).toBe(false);
      expect(await store().completeDeadLetterClaim(d.id, 'replay-a')).toBe(true);

      const again = await store().claimDeadLetter(d.id, 'replay-c', LEASE_MS);
      expect(again).toMatchObject({ claimed: false, letter: { state: 'replayed', resolvedAt: expect.any(String) } });
      expect(await store().markDeadLetter(d.id, 'discarded', 'too late')).toBe(false);
    });

    it('should answer a claim of an unknown id with no letter', async () => {
      expect(await store().claimDeadLetter(uid('none'), 'replay-a', LEASE_MS)).toEqual({ claimed: false, letter: null });
    });

    it('should refuse a discard while a replay holds the claim', async () => {
      const d = await store().recordDeadLetter(letter());
      await store().claimDeadLetter(d.id, 'replay-a', LEASE_MS);

      expect(await store().markDeadLetter(d.id, 'discarded', 'operator')).toBe(false);
      expect((await store().getDeadLetter(d.id))?.state).toBe('replaying');
    });

    it('should put a released claim back to dead with the reason, claimable again', async () => {
      const type = uid('type');
      const d = await store().recordDeadLetter(letter({ type }));
      await store().claimDeadLetter(d.id, 'replay-a', LEASE_MS);

      expect(await store().releaseDeadLetterClaim(d.id, 'replay-b', 'not mine')).toBe(false);
      expect(await store().releaseDeadLetterClaim(d.id, 'replay-a', 'replay failed: BROKER.UNAVAILABLE')).toBe(true);

      expect((await store().listDeadLetters({ type })).items).toEqual([expect.objectContaining({ id: d.id, state: 'dead', reason: 'replay failed: BROKER.UNAVAILABLE' })]);
      expect((await store().claimDeadLetter(d.id, 'replay-c', LEASE_MS)).claimed).toBe(true);
    });

    it('should let a later replay take over a claim older than the lease, and the dead claimer no longer finish it', async () => {
      const d = await store().recordDeadLetter(letter());
      await store().claimDeadLetter(d.id, 'died', LEASE_MS);
      expect((await store().claimDeadLetter(d.id, 'fresh', LEASE_MS)).claimed).toBe(false);

      const takeover = await store().claimDeadLetter(d.id, 'next', -1);

      expect(takeover).toMatchObject({ claimed: true, letter: { state: 'replaying', claimedBy: 'next' } });
      expect(await store().completeDeadLetterClaim(d.id, 'died')).toBe(false);
      expect(await store().completeDeadLetterClaim(d.id, 'next')).toBe(true);
    });

    it('should send stale claims back to dead and leave fresh ones', async () => {
      const type = uid('type');
      const stale = await store().recordDeadLetter(letter({ type }));
      await store().claimDeadLetter(stale.id, 'died', LEASE_MS);
      const cutoff = new Date(Date.now() + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const fresh = await store().recordDeadLetter(letter({ type }));
      await store().claimDeadLetter(fresh.id, 'alive', LEASE_MS);

      expect(await store().releaseStaleDeadLetterClaims(cutoff, 'replay did not finish')).toBeGreaterThanOrEqual(1);

      expect(await store().getDeadLetter(stale.id)).toMatchObject({ state: 'dead', reason: 'replay did not finish' });
      expect(await store().getDeadLetter(fresh.id)).toMatchObject({ state: 'replaying', claimedBy: 'alive' });
      expect(await store().completeDeadLetterClaim(stale.id, 'died')).toBe(false);
    });
  });

  describe('dead-letter index', () => {
    it('should keep one entry, as it stands, when the same broker copy is recorded twice', async () => {
      const id = uid('dl');
      const first = await store().recordDeadLetter(letter({ id }));
      await store().claimDeadLetter(id, 'replay-a', LEASE_MS);
      await store().completeDeadLetterClaim(id, 'replay-a');

      const again = await store().recordDeadLetter(letter({ id, messageId: first.messageId }));

      expect(again).toMatchObject({ id, state: 'replayed' });
      expect((await store().listDeadLetters({ messageId: first.messageId, state: 'all' })).items).toHaveLength(1);
    });

    it('should accept the same id recorded twice at once', async () => {
      const id = uid('dl');
      const [a, b] = await Promise.all([store().recordDeadLetter(letter({ id })), store().recordDeadLetter(letter({ id }))]);
      expect(a.id).toBe(id);
      expect(b.id).toBe(id);
      expect(await store().getDeadLetter(id)).toMatchObject({ id, state: 'dead' });
    });

    it('should find entries by ids and by message id', async () => {
      const a = await store().recordDeadLetter(letter());
      const b = await store().recordDeadLetter(letter());

      expect((await store().getDeadLetters([a.id, b.id, uid('none')])).map((d) => d.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store().getDeadLetters([])).toEqual([]);
      expect((await store().listDeadLetters({ messageId: a.messageId, system: 'billing' })).items.map((d) => d.id)).toEqual([a.id]);
    });

    it('should count open dead letters (dead or being replayed) by destination', async () => {
      const destination = uid('dest');
      const [a, b] = [await store().recordDeadLetter(letter({ destination })), await store().recordDeadLetter(letter({ destination }))];
      const c = await store().recordDeadLetter(letter({ destination }));
      await store().claimDeadLetter(a.id, 'replay-a', LEASE_MS);
      await store().markDeadLetter(c.id, 'discarded', 'test');

      expect((await store().countOpenDeadLetters())[destination]).toBe(2);
      await store().completeDeadLetterClaim(a.id, 'replay-a');
      await store().markDeadLetter(b.id, 'discarded', 'test');
      expect((await store().countOpenDeadLetters())[destination]).toBeUndefined();
    });
  });
}
