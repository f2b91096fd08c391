import type { InputClaim, InputLedger, InputProgress } from '../adapter';

/**
 * The file ledger: which file contents (by sha256) were read, which one is being read by whom (a lease),
 * and how far (a checkpoint). The bus passes one backed by its store (`BusStore.claimFileLease`,
 * `saveFileCheckpoint`, `completeFile`, `releaseFileLease`) as the third argument of `listen`, so a
 * re-dropped file is a no-op across restarts, a second bus instance leaves a file alone while another
 * reads it, and a file whose reader died is resumed after its last checkpoint.
 *
 * @example
 * instance.listen(onNative, signal, {
 *   claim: (sha256, fileName, leaseMs) => store.claimFileLease(sha256, system.name, fileName, owner, leaseMs).then(toClaim),
 *   checkpoint: (sha256, leaseMs, progress) => store.saveFileCheckpoint(sha256, owner, leaseMs, progress),
 *   complete: (sha256, outcome, detail) => store.completeFile(sha256, outcome, detail),
 *   release: (sha256) => store.releaseFileLease(sha256, owner),
 * });
 */
export type FileLedger = InputLedger;

/** A claim in its long form (`true`/`false` are short for `new`/`done`). */
export function claimOutcome(claim: InputClaim): Exclude<InputClaim, boolean> {
  if (claim === true) return { outcome: 'new' };
  if (claim === false) return { outcome: 'done' };
  return claim;
}

/**
 * Remembers files for the life of the process; what `listen` uses when the host passes no ledger.
 * A file whose reading stopped is resumed from its last checkpoint on the next scan.
 */
export class MemoryFileLedger implements FileLedger {
  private readonly files = new Map<string, { status: 'processing' | 'processed' | 'failed'; held: boolean; progress?: InputProgress }>();

  async claim(sha256: string): Promise<InputClaim> {
    const file = this.files.get(sha256);
    if (!file) {
      this.files.set(sha256, { status: 'processing', held: true });
      return { outcome: 'new' };
    }
    if (file.status !== 'processing') return { outcome: 'done' };
    if (file.held) return { outcome: 'busy' };
    file.held = true;
    return file.progress ? { outcome: 'resume', progress: file.progress } : { outcome: 'resume' };
  }

  async checkpoint(sha256: string, _leaseMs: number, progress?: InputProgress): Promise<boolean> {
    const file = this.files.get(sha256);
    if (!file?.held || file.status !== 'processing') return false;
    if (progress) file.progress = progress;
    return true;
  }

  async complete(sha256: string, outcome: 'processed' | 'failed'): Promise<void> {
    this.files.set(sha256, { status: outcome, held: false });
  }

  async release(sha256: string): Promise<void> {
    const file = this.files.get(sha256);
    if (file) file.held = false;
  }

  /** Saved progress of a file, for tests and diagnostics. */
  progressOf(sha256: string): InputProgress | undefined {
    return this.files.get(sha256)?.progress;
  }
}
