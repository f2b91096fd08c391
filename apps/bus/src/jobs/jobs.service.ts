import { HttpException, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ErrorCodes } from '@bus/canonical-model';
import { dirname } from 'node:path';
import { ApiError } from '../common/api-error';
import type { ActiveConfig } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { ReloadPlan } from '../config/reload-plan';
import { AdapterHost } from '../adapters/adapter-host.service';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { httpGetJson } from './http-customer.source';
import type { JobEffectSearchDto, ResolveEffectsDto } from './dto/job-effects.dto';
import type { RunJobDto } from './dto/run-job.dto';
import { JobEffectResolver } from './job-effect.resolver';
import { JobRunner, type JobStart } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { JobTakeover } from './job-takeover';
import { createMailMergeJob, type MailMergeJob } from './mail-merge.job';
import { InvalidRunKeyError, JobBusyError, UnknownJobError } from './job.errors';
import { instanceOwner } from '../instances/instance-owner';

/**
 * Builds the configured batch jobs against the live adapter instances, runs their schedules, and
 * serves the admin job endpoints. A reload that touches the jobs or their systems interrupts the running
 * batch after its in-flight items and rebuilds the jobs; the new runner's first takeover check resumes
 * it without duplicates. Every instance checks for runs left by a dead instance (JobTakeover).
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('jobs');
  /** Lock owner: unique per bus instance, so two instances never both hold a job's lease. */
  private readonly owner = instanceOwner();
  private runner?: JobRunner;
  private jobs = new Map<string, MailMergeJob>();
  private scheduler?: JobScheduler;
  private takeover?: JobTakeover;

  constructor(
    private readonly config: ConfigService,
    private readonly adapters: AdapterHost,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // After the adapter host has (re)started the systems, so jobs bind the live instances.
    await this.adapters.onApplied((plan, active) => (plan && !touchesJobs(plan, active) ? undefined : this.rebuild(active)));
  }

  /** 202 with the run; 409 when the run key completed (not forced) or another run is unfinished. */
  async run(name: string, body: RunJobDto = {}) {
    const start = await this.runnerOrThrow().start(name, { trigger: 'manual', runKey: body.runKey, force: body.force }).catch(rethrowUnknown);
    if (start.code === 'completed' || start.code === 'unfinished') {
      const code = start.code === 'completed' ? ErrorCodes.JOB_RUN_KEY_COMPLETED : ErrorCodes.JOB_RUN_UNFINISHED;
      throw new HttpException({ statusCode: 409, code, message: `Job "${name}": ${start.reason}`, started: false, runKey: start.runKey, completedAt: start.completedAt }, 409);
    }
    return answer(start);
  }

  async retryFailed(name: string) {
    return answer(await this.runnerOrThrow().retryFailed(name).catch(rethrowUnknown));
  }

  async effects(name: string, query: JobEffectSearchDto) {
    const runner = this.runnerOrThrow();
    try {
      runner.job(name);
    } catch (err) {
      rethrowUnknown(err);
    }
    return { items: await this.store.listJobEffects(name, query) };
  }

  async resolve(name: string, body: ResolveEffectsDto) {
    const resolver = new JobEffectResolver(this.runnerOrThrow(), this.store);
    const results = await resolver.resolve(name, body).catch(rethrowUnknown);
    this.logger.log(`job ${name}: operator resolved ${results.filter((r) => r.outcome !== 'not-unknown').length} effects with "${body.action}": ${body.reason}`);
    return { results };
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
    this.takeover?.stop();
    await this.scheduler?.stop();
    // Left `interrupted` with the lease released: resumed by the next check of any instance,
    // including this one's after a reload.
    await this.runner?.stopAll();
    // After the runs stopped: their render threads are not needed by the rebuilt jobs.
    await Promise.all([...this.jobs.values()].map((j) => j.letter.close?.()));
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
    this.jobs = jobs;
    this.runner = new JobRunner({ store: this.store, jobs, owner: this.owner, logger: this.logger });
    const scheduled = [...jobs.values()].filter((j) => j.schedule).map((j) => ({ name: j.name, schedule: j.schedule!, timezone: j.timezone }));
    this.scheduler = new JobScheduler(this.runner, scheduled, this.logger);
    this.scheduler.start();
    const checks = [...jobs.values()].map((j) => j.resumeCheckMs).filter((ms) => ms > 0);
    this.takeover = new JobTakeover(this.runner, checks.length ? Math.min(...checks) : 0, this.logger);
    this.takeover.start();
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

function answer(start: JobStart) {
  return { started: start.started, runId: start.runId, runKey: start.runKey, pass: start.pass, reason: start.reason };
}

function rethrowUnknown(err: unknown): never {
  if (err instanceof UnknownJobError) throw new ApiError(404, ErrorCodes.JOB_UNKNOWN, err.message);
  if (err instanceof InvalidRunKeyError) throw new ApiError(400, ErrorCodes.JOB_INVALID_RUN_KEY, err.message);
  if (err instanceof JobBusyError) throw new ApiError(409, ErrorCodes.JOB_BUSY, err.message);
  throw err;
}
