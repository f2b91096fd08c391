import { Inject, Injectable, Logger, type LoggerService, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ActiveConfig } from './active-config';
import { loadBusConfig } from './bus-config.loader';
import { ConfigError, ConfigVersionMovedError, formatProblems, type ConfigProblem } from './config.errors';
import { readConfigFiles, versionOfFiles, watchTargets, type ConfigFiles } from './config-files';
import { writeConfigFiles } from './config-files.write';
import { ConfigWatcher } from './config-watcher';
import { isEmptyPlan, planReload, type ReloadPlan, type ReloadRequest } from './reload-plan';

/** Nest token for ConfigServiceOptions. */
export const CONFIG_SERVICE_OPTIONS = Symbol('CONFIG_SERVICE_OPTIONS');

export interface ConfigServiceOptions {
  /** Path of bus.yaml (BUS_CONFIG). */
  file: string;
  /** Variables for `${VAR}`; defaults to process.env at each reload. */
  env?: Record<string, string | undefined>;
  /** The version main.ts loaded before anything connected; without it, call `init()`. */
  initial?: ActiveConfig;
  /** Reload when bus.yaml or a file it references changes (BUS_CONFIG_WATCH); started by `onModuleInit` or `startWatching()`. */
  watch?: boolean;
  /** @default 200 */
  debounceMs?: number;
  /** Versions kept for messages routed by an older one. @default 10 */
  history?: number;
  /** @default loadBusConfig */
  load?: (file: string, env: Record<string, string | undefined>) => Promise<ActiveConfig>;
  logger?: LoggerService;
}

/** The last change that was refused, for GET /admin/config. */
export interface RejectedChange {
  at: string;
  reason: string;
  /** Content hash of the refused files, when they could be read. */
  version?: string;
  errors: ConfigProblem[];
}

/** GET /admin/config. */
export interface ConfigStatus {
  version: string | null;
  loadedAt: string | null;
  file: string;
  lastRejected?: RejectedChange;
}

/** Called with the plan, the new and the previous version; awaited in registration order. */
export type ConfigChangeListener = (plan: ReloadPlan, next: ActiveConfig, previous: ActiveConfig | undefined) => void | Promise<void>;
export type ConfigRejectListener = (rejected: RejectedChange) => void | Promise<void>;

/**
 * Holds the active config version and replaces it on reload (on demand or when the file changes).
 * A reload that fails any check leaves the active version as it was and is recorded as
 * `lastRejected`. Older versions stay reachable by hash for messages they routed.
 */
@Injectable()
export class ConfigService implements OnModuleInit, OnApplicationShutdown {
  private current?: ActiveConfig;
  private readonly versions = new Map<string, ActiveConfig>();
  private lastRejected?: RejectedChange;
  private readonly beforeChange: ConfigChangeListener[] = [];
  private readonly afterChange: ConfigChangeListener[] = [];
  private readonly rejectListeners: ConfigRejectListener[] = [];
  /** Reloads run one at a time; a watch event during a manual reload waits its turn. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watcher: ConfigWatcher;
  private readonly logger: LoggerService;

  constructor(@Inject(CONFIG_SERVICE_OPTIONS) private readonly options: ConfigServiceOptions) {
    this.logger = options.logger ?? new Logger('config');
    if (options.initial) this.remember(options.initial);
    this.watcher = new ConfigWatcher(options.file, () => void this.reloadIfChanged(), options.debounceMs ?? 200, (err) =>
      this.logger.warn(`Stopped watching ${options.file}: ${err.message}. Use POST /admin/config/reload to apply changes.`),
    );
  }

  /** Loads the file when no initial version was given; throws ConfigError when it is invalid. */
  async init(): Promise<ActiveConfig> {
    if (!this.current) this.remember(await this.load());
    return this.current!;
  }

  /** The version new messages are routed by. */
  active(): ActiveConfig {
    if (!this.current) throw new Error('No configuration is loaded yet: call ConfigService.init() first.');
    return this.current;
  }

  /** A recent version by its content hash (the `x-bus-config-version` header), or undefined. */
  getVersion(version: string): ActiveConfig | undefined {
    return this.versions.get(version);
  }

  status(): ConfigStatus {
    return {
      version: this.current?.version ?? null,
      loadedAt: this.current?.loadedAt.toISOString() ?? null,
      file: this.options.file,
      ...(this.lastRejected ? { lastRejected: this.lastRejected } : {}),
    };
  }

  /** Runs before the new version becomes active (e.g. declare queues of added systems); a throw rejects the reload. */
  onBeforeChange(listener: ConfigChangeListener): () => void {
    return register(this.beforeChange, listener);
  }

  /** Runs after the new version became active (e.g. drain removed systems, start added ones). */
  onChange(listener: ConfigChangeListener): () => void {
    return register(this.afterChange, listener);
  }

  onReject(listener: ConfigRejectListener): () => void {
    return register(this.rejectListeners, listener);
  }

  /**
   * Loads the files and applies them. Resolves with the plan (empty when nothing changed); rejects
   * with ConfigError when they are invalid, in which case the active version stays.
   */
  reload(request: string | ReloadRequest): Promise<ReloadPlan> {
    return this.enqueue(() => this.apply(requestOf(request)));
  }

  /** Loads and checks the files on disk and answers what a reload would change, applying nothing. */
  planOnly(request: string | ReloadRequest): Promise<ReloadPlan> {
    return this.enqueue(async () => planReload(await this.load(), this.current, requestOf(request)));
  }

  /**
   * Writes a whole version (bus.yaml and every mapping and template, by relative path) into the
   * config folder and applies it, as one step with respect to other reloads. Refused with
   * ConfigVersionMovedError when `expectedVersion` is given and is not the active version; when
   * the files are refused, the previous files are written back and the active version stays.
   */
  replaceFiles(files: ConfigFiles, request: ReloadRequest, expectedVersion?: string): Promise<ReloadPlan> {
    return this.enqueue(async () => {
      const previous = this.current;
      if (expectedVersion !== undefined && expectedVersion !== previous?.version) throw new ConfigVersionMovedError(expectedVersion, previous?.version ?? null);
      const undo = await writeConfigFiles(this.options.file, files, previous?.files ?? {});
      try {
        return await this.apply(request);
      } catch (err) {
        await undo();
        throw err;
      }
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  startWatching(): void {
    this.watcher.start();
  }

  stopWatching(): void {
    this.watcher.stop();
  }

  onModuleInit(): void {
    if (this.options.watch) this.startWatching();
  }

  onApplicationShutdown(): void {
    this.stopWatching();
  }

  private async apply(request: ReloadRequest): Promise<ReloadPlan> {
    const { reason } = request;
    const previous = this.current;
    let next: ActiveConfig;
    try {
      next = await this.load();
    } catch (err) {
      throw await this.reject(reason, err);
    }
    const plan = planReload(next, previous, request);
    if (previous && next.version === previous.version && isEmptyPlan(plan)) return plan;
    try {
      for (const listener of this.beforeChange) await listener(plan, next, previous);
    } catch (err) {
      throw await this.reject(reason, new ConfigError(this.options.file, [{ path: '(apply)', message: (err as Error).message }]), next.version);
    }
    this.remember(next);
    this.logger.log(`Config version ${next.version} applied (${reason}): ${summary(plan)}`);
    for (const listener of this.afterChange) {
      try {
        await listener(plan, next, previous);
      } catch (err) {
        this.logger.error(`A config change listener failed for version ${next.version}: ${(err as Error).message}`);
      }
    }
    return plan;
  }

  private async reject(reason: string, err: unknown, version?: string): Promise<unknown> {
    // Anything else that breaks a load (a bug, an unreadable mapping) must not replace the active version either.
    const problems = err instanceof ConfigError ? err.problems : [{ path: '(load)', message: (err as Error)?.message ?? String(err) }];
    this.lastRejected = { at: new Date().toISOString(), reason, version: version ?? (await this.hashOfFile()), errors: [...problems] };
    const keeping = this.current ? `keeping version ${this.current.version}` : 'no version is active';
    this.logger.warn(`Config change rejected (${reason}); ${keeping}. ${formatProblems(this.options.file, problems)}`);
    for (const listener of this.rejectListeners) await Promise.resolve(listener(this.lastRejected)).catch(() => undefined);
    return err;
  }

  /** Watch events also fire for saves that changed nothing, and for files already refused. */
  private async reloadIfChanged(): Promise<void> {
    // A folder created since the last version (a new `outbound/`) is watched from now on, changed or not.
    const files = await readConfigFiles(this.options.file).catch(() => undefined);
    if (files) await this.retarget(files);
    const version = files && versionOfFiles(files);
    if (version === undefined || version === this.current?.version || version === this.lastRejected?.version) return;
    await this.reload({ reason: 'file changed', trigger: 'watch', appliedBy: 'bus' }).catch(() => undefined);
  }

  /** The version of the files on disk now: bus.yaml and everything it references. */
  private async hashOfFile(): Promise<string | undefined> {
    try {
      return versionOfFiles(await readConfigFiles(this.options.file));
    } catch {
      return undefined;
    }
  }

  private async retarget(files: ConfigFiles): Promise<void> {
    try {
      const { folders, rootNames } = await watchTargets(this.options.file, files);
      this.watcher.retarget(folders, rootNames);
    } catch {
      // Watching what exists is enough; the next change retargets again.
    }
  }

  private load(): Promise<ActiveConfig> {
    const env = this.options.env ?? process.env;
    return (this.options.load ?? loadBusConfig)(this.options.file, env);
  }

  private remember(config: ActiveConfig): void {
    this.current = config;
    // A version may reference other mapping folders than the last: watch what this one uses.
    if (config.files) void this.retarget(config.files);
    this.versions.delete(config.version);
    this.versions.set(config.version, config);
    const keep = Math.max(1, this.options.history ?? 10);
    for (const version of this.versions.keys()) {
      if (this.versions.size <= keep) break;
      this.versions.delete(version);
    }
  }
}

const requestOf = (request: string | ReloadRequest): ReloadRequest =>
  typeof request === 'string' ? { reason: request, trigger: 'reload', appliedBy: 'bus' } : request;

function register<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}

function summary(plan: ReloadPlan): string {
  const part = (label: string, c: ReloadPlan['systems']) =>
    `${label} +${c.added.length} -${c.removed.length} ~${c.changed.length}`;
  return [part('systems', plan.systems), part('routes', plan.routes), part('files', plan.files), plan.sections.length ? `sections ${plan.sections.join(', ')}` : '', plan.atNextStart.length ? `at the next start ${plan.atNextStart.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}
