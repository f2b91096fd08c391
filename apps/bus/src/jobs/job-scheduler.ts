import type { LoggerService } from '@nestjs/common';
import { createTask, type ScheduledTask } from 'node-cron';
import type { JobRunner } from './job-runner';

/** A job with a schedule, as the scheduler needs it. */
export interface ScheduledJob {
  name: string;
  schedule: string;
  timezone?: string;
}

/**
 * Fires jobs on their node-cron schedules. Every bus instance runs a scheduler; each tick only
 * asks the runner to start, and the runner's store lease plus one run id per schedule slot make
 * sure exactly one instance runs each slot, even when the instances' clocks differ a little.
 */
export class JobScheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly jobs: readonly ScheduledJob[],
    private readonly logger?: Pick<LoggerService, 'log' | 'warn'>,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const task = createTask(job.schedule, (ctx) => this.tick(job.name, ctx.date), { name: `job:${job.name}`, timezone: job.timezone, noOverlap: true });
      this.tasks.push(task);
      void task.start();
      this.logger?.log(`job ${job.name}: scheduled "${job.schedule}"${job.timezone ? ` (${job.timezone})` : ''}`);
    }
  }

  /** One schedule firing for `slot`; what node-cron calls, and what specs call directly. */
  async tick(name: string, slot: Date): Promise<void> {
    const start = await this.runner.start(name, { trigger: 'schedule', slot });
    if (start.started) await start.finished;
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.splice(0).map((t) => t.destroy()));
  }
}
