import type { FileLedger } from './file.ledger';
import type { FileLog } from './file.log';
import type { FileProgress } from './file.report';

/**
 * Keeps one file's claim while it is read: renews the lease every third of `leaseMs` (also while a record
 * waits on the bus), saves checkpoints, and notices when the claim is no longer this reader's (it stalled
 * past its lease and another reader took over), so the reader stops instead of racing the new one.
 * Renewals and saves run one after another, so a renewal can never land after a later checkpoint.
 */
export class FileClaimKeeper {
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private lostClaim = false;

  constructor(
    private readonly ledger: FileLedger,
    private readonly sha256: string,
    private readonly name: string,
    private readonly leaseMs: number,
    private readonly log: FileLog,
  ) {}

  /** True once the ledger said the claim belongs to another reader now. */
  get lost(): boolean {
    return this.lostClaim;
  }

  start(): void {
    if (!this.ledger.checkpoint) return;
    this.timer = setInterval(() => {
      // A failed renewal (store unreachable) is not a lost claim: the next one, or the next save, tells.
      this.write(undefined).catch((e) => this.log.renewalFailed(this.name, e));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** Saves progress and renews the lease; false when the claim is lost. Rejects when the ledger fails. */
  save(progress: FileProgress): Promise<boolean> {
    return this.write(progress);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private write(progress: FileProgress | undefined): Promise<boolean> {
    const checkpoint = this.ledger.checkpoint?.bind(this.ledger);
    if (!checkpoint || this.lostClaim) return Promise.resolve(!this.lostClaim);
    const next = this.chain.then(async () => {
      if (this.lostClaim) return false;
      const held = await checkpoint(this.sha256, this.leaseMs, progress as unknown as Record<string, unknown> | undefined);
      if (!held && !this.lostClaim) {
        this.lostClaim = true;
        this.log.claimLost(this.name);
      }
      return held;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
