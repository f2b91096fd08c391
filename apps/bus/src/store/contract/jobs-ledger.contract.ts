import type { BusStore } from '../bus-store';
import type { JobEffectKey } from '../store.types';
import { uid } from '../store.fixtures';

/** The job effects ledger part of the store contract (see runStoreContract). */
export function runJobsLedgerContract(store: () => BusStore): void {
  describe('job effects ledger', () => {
    const key = (over: Partial<JobEffectKey> = {}): JobEffectKey => ({ job: uid('job'), runKey: '2026-12-04', recipient: 'C001', effect: 'print', ...over });
    const start = { target: 'letters', pass: 1, owner: 'bus-a' };

    it('should write started before an effect and done after it', async () => {
      const k = key();
      const claim = await store().claimJobEffect(k, start);
      expect(claim).toEqual({ claimed: true, effect: expect.objectContaining({ ...k, state: 'started', target: 'letters', pass: 1, owner: 'bus-a' }) });
      expect(await store().transitionJobEffect(k, ['started'], 'done', 'job 42')).toBe(true);
      expect((await store().listJobEffects(k.job))[0]).toMatchObject({ state: 'done', detail: 'job 42', owner: 'bus-a' });
    });

    it('should not claim an effect that is started, done or unknown in the same pass', async () => {
      const k = key();
      await store().claimJobEffect(k, start);
      expect(await store().claimJobEffect(k, { ...start, owner: 'bus-b' })).toMatchObject({ claimed: false, effect: { state: 'started', owner: 'bus-a' } });
      await store().transitionJobEffect(k, ['started'], 'done');
      expect((await store().claimJobEffect(k, { ...start, owner: 'bus-b' })).claimed).toBe(false);
      const u = key();
      await store().claimJobEffect(u, start);
      await store().transitionJobEffect(u, ['started'], 'unknown', 'crashed while e-mailing');
      expect(await store().claimJobEffect(u, { ...start, pass: 2 })).toMatchObject({ claimed: false, effect: { state: 'unknown', detail: 'crashed while e-mailing' } });
    });

    it('should claim a done effect again only in a later pass', async () => {
      const k = key();
      await store().claimJobEffect(k, start);
      await store().transitionJobEffect(k, ['started'], 'done');
      expect(await store().claimJobEffect(k, { ...start, pass: 2, owner: 'bus-b' })).toMatchObject({ claimed: true, effect: { state: 'started', pass: 2, owner: 'bus-b' } });
    });

    it('should claim a failed effect again only when retrying failures, and a retry effect always', async () => {
      const k = key();
      await store().claimJobEffect(k, start);
      await store().transitionJobEffect(k, ['started'], 'failed', '550 mailbox unavailable');
      expect((await store().claimJobEffect(k, start)).claimed).toBe(false);
      expect((await store().claimJobEffect(k, { ...start, retryFailed: true })).claimed).toBe(true);
      await store().transitionJobEffect(k, ['started'], 'retry', 'not on the printer');
      expect((await store().claimJobEffect(k, start)).claimed).toBe(true);
    });

    it('should let exactly one of two concurrent claims win', async () => {
      const k = key();
      const claims = await Promise.all([store().claimJobEffect(k, start), store().claimJobEffect(k, { ...start, owner: 'bus-b' })]);
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    });

    it('should move an effect only from the states named', async () => {
      const k = key();
      expect(await store().transitionJobEffect(k, ['unknown'], 'done')).toBe(false);
      await store().claimJobEffect(k, start);
      await store().transitionJobEffect(k, ['started'], 'unknown', 'outcome unknown');
      const both = await Promise.all([store().transitionJobEffect(k, ['unknown'], 'started', 'resend', 'admin'), store().transitionJobEffect(k, ['unknown'], 'done', 'seen')]);
      expect(both.filter(Boolean)).toHaveLength(1);
    });

    it('should list and count effects by state and run key', async () => {
      const job = uid('job');
      const a = key({ job, runKey: 'k1', recipient: 'C1' });
      const b = key({ job, runKey: 'k1', recipient: 'C1', effect: 'email' });
      const c = key({ job, runKey: 'k2', recipient: 'C2' });
      for (const k of [a, b, c]) await store().claimJobEffect(k, start);
      await store().transitionJobEffect(a, ['started'], 'done');
      await store().transitionJobEffect(b, ['started'], 'unknown', 'e-mail cannot be asked');
      expect((await store().listJobEffects(job, { state: 'unknown' })).map((e) => [e.runKey, e.recipient, e.effect])).toEqual([['k1', 'C1', 'email']]);
      expect((await store().listJobEffects(job, { runKey: 'k2' })).map((e) => e.state)).toEqual(['started']);
      expect(await store().listJobEffects(job, { limit: 2 })).toHaveLength(2);
      expect(await store().jobEffectCounts(job)).toEqual({ started: 1, done: 1, failed: 0, unknown: 1, retry: 0 });
      expect(await store().jobEffectCounts(job, 'k1')).toEqual({ started: 0, done: 1, failed: 0, unknown: 1, retry: 0 });
      expect(await store().listJobEffects(uid('none'))).toEqual([]);
    });

    it('should purge settled effects but keep unknown ones', async () => {
      const job = uid('job');
      const done = key({ job, recipient: 'C1' });
      const unknown = key({ job, recipient: 'C2' });
      for (const k of [done, unknown]) await store().claimJobEffect(k, start);
      await store().transitionJobEffect(done, ['started'], 'done');
      await store().transitionJobEffect(unknown, ['started'], 'unknown');
      await store().purgeOlderThan(new Date(Date.now() + 60_000));
      expect((await store().listJobEffects(job)).map((e) => e.recipient)).toEqual(['C2']);
    });
  });
}
