import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ErrorCodes } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import type { ConfigHistorySearch } from '../store/store.types';
import { ConfigError, ConfigVersionMovedError } from './config.errors';
import { MAIN_FILE, type ConfigFiles } from './config-files';
import { checkConfigPath } from './config-files.write';
import { ConfigService } from './config.service';
import type { ReloadPlan, ReloadRequest } from './reload-plan';

/**
 * Keeps every applied config version in the store (content, who, when, why) and applies a whole
 * version sent by `bpi-bus apply` or taken back from the history by a rollback.
 */
@Injectable()
export class ConfigHistoryService implements OnModuleInit {
  private readonly logger = new Logger('config');

  constructor(
    private readonly config: ConfigService,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.config.onChange((plan, next) => this.record(plan, next.files));
    const active = this.config.active();
    const [last] = (await this.store.listConfigHistory({ limit: 1 })).items;
    await this.store.recordConfigVersion(
      { version: active.version, appliedAt: active.loadedAt.toISOString(), appliedBy: 'bus', reason: 'bus started', trigger: 'startup', previousVersion: last?.version ?? null },
      active.files,
    );
  }

  history(search: ConfigHistorySearch) {
    return this.store.listConfigHistory(search);
  }

  async version(version: string) {
    const found = await this.store.getConfigVersion(version);
    if (!found) throw unknownVersion(version);
    return found;
  }

  apply(files: Record<string, string>, request: ReloadRequest, expectedVersion: string): Promise<ReloadPlan> {
    const bad = Object.entries(files).flatMap(([name, text]) => {
      const problem = checkConfigPath(name) ?? (typeof text === 'string' ? undefined : `"${name}" must have text content`);
      return problem ? [{ path: `files.${name}`, message: problem }] : [];
    });
    if (!(MAIN_FILE in files)) bad.push({ path: 'files', message: `must hold ${MAIN_FILE}: send the whole version (bpi-bus apply does)` });
    if (bad.length) throw new ApiError(400, ErrorCodes.CONFIG_FILE_REJECTED, 'The files cannot be written into the config folder; nothing was changed.', bad);
    return this.replace(files, request, expectedVersion);
  }

  async rollback(version: string, request: ReloadRequest, expectedVersion?: string): Promise<ReloadPlan> {
    const found = await this.store.getConfigVersion(version);
    if (!found) throw unknownVersion(version);
    return this.replace(found.files, request, expectedVersion);
  }

  private async replace(files: ConfigFiles, request: ReloadRequest, expectedVersion?: string): Promise<ReloadPlan> {
    try {
      return await this.config.replaceFiles(files, request, expectedVersion);
    } catch (err) {
      if (err instanceof ConfigVersionMovedError) throw new ApiError(409, err.code, err.message);
      if (err instanceof ConfigError) {
        throw new ApiError(422, ErrorCodes.CONFIG_INVALID, `${err.message.split('\n')[0]} The previous files were put back and the previous version stays active.`, [...err.problems]);
      }
      throw err;
    }
  }

  private async record(plan: ReloadPlan, files: ConfigFiles): Promise<void> {
    try {
      await this.store.recordConfigVersion(
        { version: plan.version, appliedAt: new Date().toISOString(), appliedBy: plan.appliedBy, reason: plan.reason, trigger: plan.trigger, previousVersion: plan.previousVersion },
        files,
      );
    } catch (err) {
      // The version is applied either way; a gap in the history must not undo it.
      this.logger.error(`Config version ${plan.version} was applied but could not be recorded in the history: ${(err as Error).message}`);
    }
  }
}

const unknownVersion = (version: string) =>
  new ApiError(404, ErrorCodes.CONFIG_VERSION_UNKNOWN, `Config version ${version} is not in the history; GET /admin/config/history lists the versions this bus applied.`);
