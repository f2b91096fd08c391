import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ApiError } from '../common/api-error';
import type { ActiveConfig } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { ReloadPlan } from '../config/reload-plan';
import { AdapterHost } from '../adapters/adapter-host.service';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { httpGetJson } from './http-customer.source';
import { JobRunner } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { createMailMergeJob, type MailMergeJob } from './mail-merge.job';
import { UnknownJobError } from './job.errors';

/**
 * Builds the configured batch jobs against the live adapter instances, runs their schedules, and
 * serves the admin job endpoints. A reload that touches the jobs or their systems stops the running
 * batch (it resumes without duplicates on the next start) and rebuilds the jobs.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('jobs');
  /** Lock owner: unique per bus instance, so two instances never both hold a job's lease. */
  private readonly owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private runner?: JobRunner;
  private scheduler?: JobScheduler;

  constructor(
    private readonly config: ConfigService,
    private readonly adapters: AdapterHost,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // After the adapter host has (re)started the systems, so jobs bind the live instances.
    await this.adapters.onApplied((plan, active) => (plan && !touchesJobs(plan, active) ? undefined : this.rebuild(active)));
  }

  async run(name: string) {
    const start = await this.runnerOrThrow().start(name).catch(rethrowUnknown);
    return { started: start.started, runId: start.runId, reason: start.reason };
  }

  async retryFailed(name: string) {
    const start = await this.runnerOrThrow().retryFailed(name).catch(rethrowUnknown);
    return { started: start.started, runId: start.runId, reason: start.reason };
  }

  stop(name: string) {
    try {
      return { stopping: this.runnerOrThrow().stop(name) };
    } catch (err) {
      return rethrowUnknown(err);
    }
  }

  async progress(name: string) {
    const progress = await this.runnerOrThrow().progress(name).catch(rethrowUnknown);
    if (!progress) throw new ApiError(404, 'JOB.NEVER_RAN', `Job "${name}" has not run yet: POST /admin/jobs/${name}/run starts it.`);
    return progress;
  }

  async shutdown(): Promise<void> {
    await this.scheduler?.stop();
    for (const name of this.runner?.names() ?? []) this.runner!.stop(name);
  }

  private async rebuild(active: ActiveConfig): Promise<void> {
    await this.shutdown();
    const jobs = new Map<string, MailMergeJob>();
    for (const [name, cfg] of active.jobs) {
      jobs.set(
        name,
        await createMailMergeJob(name, cfg, {
          configDir: dirname(active.file),
          system: (s) => this.adapters.instanceOf(s)?.instance,
          fetchFromSystem: (s, query, signal) => this.fetchFromSystem(active, s, query, signal),
        }),
      );
    }
    this.runner = new JobRunner({ store: this.store, jobs, owner: this.owner, logger: this.logger });
    const scheduled = [...jobs.values()].filter((j) => j.schedule).map((j) => ({ name: j.name, schedule: j.schedule!, timezone: j.timezone }));
    this.scheduler = new JobScheduler(this.runner, scheduled, this.logger);
    this.scheduler.start();
    if (jobs.size) this.logger.log(`Jobs ready: ${[...jobs.keys()].join(', ')}${scheduled.length ? ` (scheduled: ${scheduled.map((j) => `${j.name} "${j.schedule}"`).join(', ')})` : ''}`);
  }

  /** A job source `{ system, query }` is read with a GET on the system's outbound url. */
  private fetchFromSystem(active: ActiveConfig, name: string, query: string, signal?: AbortSignal): Promise<unknown> {
    const system = active.systems.get(name)!;
    const outbound = system.outbound as { url: string; headers?: Record<string, string> };
    const url = new URL(query, outbound.url.endsWith('/') ? outbound.url : `${outbound.url}/`).toString();
    return httpGetJson(url, outbound.headers ?? {})(signal);
  }

  private runnerOrThrow(): JobRunner {
    if (!this.runner) throw new ApiError(503, 'JOB.NOT_READY', 'Jobs are not ready yet; the bus is still starting.');
    return this.runner;
  }
}

function touchesJobs(plan: ReloadPlan, active: ActiveConfig): boolean {
  if (plan.sections.includes('jobs')) return true;
  const changed = new Set([...plan.systems.changed, ...plan.systems.removed]);
  return [...active.jobs.values()].some((j) => changed.has(j.printer) || changed.has(j.email) || (j.source.system !== undefined && changed.has(j.source.system)));
}

function rethrowUnknown(err: unknown): never {
  if (err instanceof UnknownJobError) throw new ApiError(404, 'JOB.UNKNOWN', err.message);
  throw err;
}
