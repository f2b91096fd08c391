import type { LoggerService } from '@nestjs/common';
import type { JobRunner } from './job-runner';

/**
 * Every `everyMs`, asks the runner to resume runs left `running` (or `interrupted`) under an expired
 * lease: an instance that died mid-run is taken over within the lease plus this interval, by exactly
 * one of the instances (the one that wins the lease). The first check runs at start, so a restarted
 * instance also finds its own run once the old lease has run out.
 */
export class JobTakeover {
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly runner: JobRunner,
    private readonly everyMs: number,
    private readonly logger?: Pick<LoggerService, 'warn'>,
  ) {}

  start(): void {
    if (this.everyMs <= 0) return;
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
    void this.check();
  }

  /** One look; overlapping ticks are skipped while a check is under way. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.runner.resumeAbandoned();
    } catch (error) {
      this.logger?.warn(`jobs: cannot check for runs to take over (the store answered: ${(error as Error).message}); checking again in ${this.everyMs} ms`);
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
