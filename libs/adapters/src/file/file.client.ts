import { createHash } from 'node:crypto';
import { constants, createReadStream, watch as fsWatch } from 'node:fs';
import { access, copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileReadiness } from './file.config';
import { alternativeName, MARKER_SUFFIX, REPORT_SUFFIX, unsafeNameReason } from './file-names';

/** The folders one file-adapter instance works in; each may be absent for a one-way instance. */
export interface FileFolders {
  dropDir?: string;
  processedDir?: string;
  failedDir?: string;
  outDir?: string;
}

export interface FileClientOptions {
  /** Waits between the two checks of `stable-size`; injectable so specs can write during the wait. */
  pause?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Thrown when a name would leave its folder or is otherwise unsafe; carries the reason. */
export class UnsafeFileNameError extends Error {
  constructor(name: string, reason: string) {
    super(`refusing file name ${JSON.stringify(name)}: ${reason}`);
    this.name = 'UnsafeFileNameError';
  }
}

const abortablePause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** How many `name~N` alternatives a move tries before giving up (a folder that full needs an operator). */
const MAX_ALTERNATIVES = 1000;

/**
 * The only place the file adapter touches the file system. Every name is checked before it is joined
 * to a folder, so nothing outside the configured folders is ever opened, moved or written.
 */
export class FileClient {
  private readonly pause: NonNullable<FileClientOptions['pause']>;

  constructor(
    readonly folders: FileFolders,
    options: FileClientOptions = {},
  ) {
    this.pause = options.pause ?? abortablePause;
  }

  /** Names of the regular files directly in the drop folder, sorted; sub-folders are ignored. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.dir('dropDir'), { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  }

  /** Creates the processed and failed folders (and the drop folder) when missing. */
  async prepareInbound(): Promise<void> {
    for (const key of ['dropDir', 'processedDir', 'failedDir'] as const) await mkdir(this.dir(key), { recursive: true });
  }

  /**
   * Whether a dropped file is complete by the configured convention. `stable-size` stats the file,
   * waits `stableMs` and stats again: size and mtime must not have changed.
   */
  async isReady(name: string, readiness: FileReadiness, stableMs: number, signal?: AbortSignal): Promise<boolean> {
    const file = this.inDrop(name);
    if (readiness === 'rename') return true;
    if (readiness === 'marker') return this.exists(this.inDrop(name + MARKER_SUFFIX));
    const first = await stat(file).catch(() => undefined);
    if (!first) return false;
    await this.pause(stableMs, signal);
    const second = await stat(file).catch(() => undefined);
    return !!second && second.size === first.size && second.mtimeMs === first.mtimeMs;
  }

  /** Size and modification time of a dropped file: what tells whether its content may have changed. */
  async fingerprint(name: string): Promise<string> {
    const { size, mtimeMs } = await stat(this.inDrop(name));
    return `${size}:${mtimeMs}`;
  }

  /** sha256 (hex) of a dropped file, read as a stream. */
  async sha256(name: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.inDrop(name)), hash);
    return hash.digest('hex');
  }

  /** The file's text in chunks, from byte `start` on; iterate it to read with backpressure. */
  readText(name: string, encoding: BufferEncoding, start = 0): AsyncIterable<string> {
    return createReadStream(this.inDrop(name), { encoding, highWaterMark: 64 * 1024, start });
  }

  /** Whether a line of the dropped file starts at byte `offset` (the start, or just after a line feed). */
  async lineStartsAt(name: string, offset: number): Promise<boolean> {
    if (offset === 0) return true;
    const handle = await open(this.inDrop(name), 'r');
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(1), 0, 1, offset - 1);
      return bytesRead === 1 && buffer[0] === 0x0a;
    } finally {
      await handle.close();
    }
  }

  /**
   * Moves a dropped file into the processed or failed folder without overwriting anything there:
   * a taken name becomes `name~2.ext`, `name~3.ext`, … Returns the name it got.
   */
  async moveOut(name: string, to: 'processedDir' | 'failedDir'): Promise<string> {
    const from = this.inDrop(name);
    const dir = this.dir(to);
    for (let n = 1; n <= MAX_ALTERNATIVES; n++) {
      const candidate = n === 1 ? name : alternativeName(name, n);
      // The report's name must be free too, or a later file's report would overwrite this one's.
      if (await this.exists(path.join(dir, candidate + REPORT_SUFFIX))) continue;
      const target = path.join(dir, candidate);
      try {
        // link() fails on an existing target where rename() would silently replace it.
        await link(from, target);
        await unlink(from);
        return candidate;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw e;
        // Another file system (or no hard links): copy without clobbering, then remove the original.
        try {
          await copyFile(from, target, constants.COPYFILE_EXCL);
        } catch (copyError) {
          if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw copyError;
        }
        await unlink(from);
        return candidate;
      }
    }
    throw new Error(`${dir} already holds ${MAX_ALTERNATIVES} files named like ${name}; clean it up`);
  }

  /** Removes the `<name>.done` marker of a file that has been moved, if there is one. */
  async removeMarker(name: string): Promise<void> {
    await rm(this.inDrop(name + MARKER_SUFFIX), { force: true });
  }

  /** Writes `<storedAs>.report.json` beside the moved file. */
  async writeReport(to: 'processedDir' | 'failedDir', storedAs: string, report: unknown): Promise<void> {
    await this.writeAtomically(this.inside(this.dir(to), storedAs + REPORT_SUFFIX), Buffer.from(JSON.stringify(report, null, 2) + '\n'));
  }

  /** Writes an outbound file as `<name>.tmp` and renames it, so readers never see half a file. Returns its path. */
  async writeOut(name: string, body: Buffer): Promise<string> {
    const target = this.inside(this.dir('outDir'), name);
    await mkdir(this.dir('outDir'), { recursive: true });
    await this.writeAtomically(target, body);
    return target;
  }

  /** Calls `onChange` on every change in the drop folder until `signal` aborts. */
  watch(onChange: () => void, onError: (e: Error) => void, signal: AbortSignal): void {
    const watcher = fsWatch(this.dir('dropDir'), { persistent: false, signal }, () => onChange());
    watcher.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).name !== 'AbortError') onError(e);
    });
  }

  /** Why a folder cannot be used, or undefined when every configured folder is usable. */
  async problem(): Promise<string | undefined> {
    const checks: [keyof FileFolders, number][] = [
      ['dropDir', constants.R_OK | constants.W_OK],
      ['processedDir', constants.W_OK],
      ['failedDir', constants.W_OK],
      ['outDir', constants.W_OK],
    ];
    for (const [key, mode] of checks) {
      const dir = this.folders[key];
      if (!dir) continue;
      try {
        const found = await stat(dir).catch((e: NodeJS.ErrnoException) => {
          // processed/ and failed/ are created when listening starts.
          if (e.code === 'ENOENT' && (key === 'processedDir' || key === 'failedDir')) return undefined;
          throw e;
        });
        if (!found) continue;
        if (!found.isDirectory()) return `${key} ${dir} is not a folder`;
        await access(dir, mode);
      } catch (e) {
        return `${key} ${dir}: ${(e as Error).message}`;
      }
    }
    return undefined;
  }

  private async writeAtomically(target: string, body: Buffer): Promise<void> {
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    // fsync before rename: after a crash the file is either absent or complete, never empty.
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  }

  private async exists(p: string): Promise<boolean> {
    return stat(p).then(
      () => true,
      () => false,
    );
  }

  private dir(key: keyof FileFolders): string {
    const dir = this.folders[key];
    if (!dir) throw new Error(`no ${key} configured`);
    return dir;
  }

  private inDrop(name: string): string {
    return this.inside(this.dir('dropDir'), name);
  }

  /** Joins a checked name to a folder, and checks once more that the result stays inside it. */
  private inside(dir: string, name: string): string {
    const reason = unsafeNameReason(name);
    if (reason) throw new UnsafeFileNameError(name, reason);
    const full = path.resolve(dir, name);
    if (path.dirname(full) !== path.resolve(dir)) throw new UnsafeFileNameError(name, `it resolves outside ${dir}`);
    return full;
  }
}
