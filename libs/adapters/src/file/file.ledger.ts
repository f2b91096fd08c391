/**
 * The file ledger: which file contents (by sha256) were already read. The bus passes one backed by its
 * store (`BusStore.claimFile` / `completeFile` / `releaseFile`) as the third argument of `listen`, so a
 * re-dropped file is a no-op across restarts.
 *
 * @example
 * instance.listen(onNative, signal, {
 *   claim: (sha256, fileName) => store.claimFile(sha256, system.name, fileName),
 *   complete: (sha256, outcome, detail) => store.completeFile(sha256, outcome, detail),
 *   release: (sha256) => store.releaseFile(sha256),
 * });
 */
export interface FileLedger {
  /**
   * True the first time a content hash is claimed: read the file. False: the same content was read
   * before (or is being read), and the file is moved to `processed/` unread, with a `duplicate` report.
   * A host that finds a claim left `processing` by a crashed run may answer true again: records then
   * carry the same `meta.sha256` + `meta.line`, which a mapping can use as native id for ingress dedup.
   */
  claim(sha256: string, fileName: string): Promise<boolean>;
  /** The file was read to the end and moved; `detail` is the one-line summary of its report. */
  complete(sha256: string, outcome: 'processed' | 'failed', detail?: string): Promise<void>;
  /** Reading stopped before the end (shutdown, or the bus refused a record for a passing reason): forget the claim. */
  release(sha256: string): Promise<void>;
}

/** Remembers hashes for the life of the process; what `listen` uses when the host passes no ledger. */
export class MemoryFileLedger implements FileLedger {
  private readonly seen = new Map<string, string>();

  async claim(sha256: string): Promise<boolean> {
    if (this.seen.has(sha256)) return false;
    this.seen.set(sha256, 'processing');
    return true;
  }

  async complete(sha256: string, outcome: 'processed' | 'failed'): Promise<void> {
    this.seen.set(sha256, outcome);
  }

  async release(sha256: string): Promise<void> {
    this.seen.delete(sha256);
  }
}
