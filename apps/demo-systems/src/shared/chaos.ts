/**
 * Makes a stand-in slow or down on demand (`POST /admin/chaos {delayMs, failWith}`), so tests can
 * show the bus retrying, timing out (504) and reporting a system down (503).
 */
export interface ChaosSettings {
  /** Wait this long before answering any non-admin request. */
  delayMs?: number;
  /** Answer every non-admin request with this HTTP status, or `'close'` to drop the connection unanswered. */
  failWith?: number | 'close';
}

export class Chaos {
  private settings: ChaosSettings = {};

  get current(): ChaosSettings {
    return { ...this.settings };
  }

  set(next: ChaosSettings): void {
    const { delayMs, failWith } = next;
    if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0)) throw new Error('delayMs must be a non-negative integer');
    if (failWith !== undefined && failWith !== 'close' && !(Number.isInteger(failWith) && failWith >= 400 && failWith <= 599)) {
      throw new Error("failWith must be an HTTP status 400-599 or 'close'");
    }
    this.settings = { delayMs, failWith };
  }

  reset(): void {
    this.settings = {};
  }

  /** Resolves after the configured delay; an aborted wait (server closing) resolves early. */
  delay(signal: AbortSignal): Promise<void> {
    const ms = this.settings.delayMs ?? 0;
    if (!ms) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
