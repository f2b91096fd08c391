import type { BusStore } from '../bus-store';
import { uid } from '../store.fixtures';

const LEASE = 60_000;

/** The file leases and checkpoints of the file ledger (see runStoreContract). */
export function runFileLeaseContract(store: () => BusStore): void {
  describe('file leases and checkpoints', () => {
    it('should give a new file to its first claimer and tell another live claimer it is busy', async () => {
      const sha = uid('sha');
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE)).toEqual({ outcome: 'new' });
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-b', LEASE)).toEqual({ outcome: 'busy', owner: 'bus-a' });
      expect(await store().getFile(sha)).toMatchObject({ status: 'processing', owner: 'bus-a', leaseUntil: expect.any(String) });
    });

    it('should let exactly one of two concurrent lease claims of one file win', async () => {
      const sha = uid('sha');
      const claims = await Promise.all(['bus-a', 'bus-b'].map((owner) => store().claimFileLease(sha, 'bridge', 'a.csv', owner, LEASE)));
      expect(claims.map((c) => c.outcome).sort()).toEqual(['busy', 'new']);
    });

    it('should hand a claim whose lease ran out to the next claimer with the last checkpoint', async () => {
      const sha = uid('sha');
      await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE);
      // A lease of 0 ms has run out at once: the dead reader's last renewal.
      expect(await store().saveFileCheckpoint(sha, 'bus-a', 0, { line: 400, offset: 51_234, passed: 399, failed: 1 })).toBe(true);
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-b', LEASE)).toEqual({ outcome: 'resume', checkpoint: { line: 400, offset: 51_234, passed: 399, failed: 1 } });
      expect(await store().getFile(sha)).toMatchObject({ owner: 'bus-b', checkpoint: { line: 400 } });
    });

    it('should refuse the checkpoint of a reader whose claim was taken over, so it stops', async () => {
      const sha = uid('sha');
      await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', 0);
      await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-b', LEASE);
      expect(await store().saveFileCheckpoint(sha, 'bus-a', LEASE, { line: 10 })).toBe(false);
      expect(await store().saveFileCheckpoint(sha, 'bus-b', LEASE, { line: 20 })).toBe(true);
      expect(await store().saveFileCheckpoint(sha, 'bus-b', LEASE)).toBe(true);
      expect((await store().getFile(sha))?.checkpoint).toEqual({ line: 20 });
    });

    it('should resume at once after the reader released its lease, keeping its checkpoint', async () => {
      const sha = uid('sha');
      await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE);
      await store().saveFileCheckpoint(sha, 'bus-a', LEASE, { line: 7 });
      await store().releaseFileLease(sha, 'bus-b'); // not its lease: nothing happens
      expect((await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-c', LEASE)).outcome).toBe('busy');
      await store().releaseFileLease(sha, 'bus-a');
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-c', LEASE)).toEqual({ outcome: 'resume', checkpoint: { line: 7 } });
    });

    it('should let the owner claim its own file again (a scan after a stop), and answer done once completed', async () => {
      const sha = uid('sha');
      await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE);
      expect((await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE)).outcome).toBe('resume');
      await store().completeFile(sha, 'processed', 'Master.csv: processed, 3 rows');
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-b', LEASE)).toEqual({ outcome: 'done' });
      expect(await store().saveFileCheckpoint(sha, 'bus-a', LEASE, { line: 3 })).toBe(false);
      const record = await store().getFile(sha);
      expect(record).toMatchObject({ status: 'processed' });
      expect(record).not.toHaveProperty('owner');
      expect(record).not.toHaveProperty('checkpoint');
    });

    it('should take over a claim made without a lease (left processing by a reader of an older version)', async () => {
      const sha = uid('sha');
      expect(await store().claimFile(sha, 'bridge', 'Master.csv')).toBe(true);
      expect(await store().claimFileLease(sha, 'bridge', 'Master.csv', 'bus-a', LEASE)).toEqual({ outcome: 'resume' });
    });
  });
}
