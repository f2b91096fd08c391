import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

/**
 * Calls `onChange` once things settle after a config file changes: bus.yaml or any mapping or
 * template it references. Watches folders, not files: editors and `kubectl`-style mounts replace a
 * file by rename, which ends a file watch. `retarget` follows the folders of each new version.
 */
export class ConfigWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private folders: string[];

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.folders = [path.dirname(path.resolve(file))];
  }

  start(): void {
    this.running = true;
    this.sync();
  }

  /** Watches these folders from now on (the folder of bus.yaml is always one of them). */
  retarget(folders: readonly string[]): void {
    this.folders = [...new Set([path.dirname(path.resolve(this.file)), ...folders])];
    if (this.running) this.sync();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private sync(): void {
    for (const [dir, w] of this.watchers) {
      if (this.folders.includes(dir)) continue;
      w.close();
      this.watchers.delete(dir);
    }
    for (const dir of this.folders) if (!this.watchers.has(dir)) this.watchFolder(dir);
  }

  private watchFolder(dir: string): void {
    const main = path.dirname(path.resolve(this.file));
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_event, changed) => {
        // The folder of bus.yaml may hold other files (the store's data): only bus.yaml counts there,
        // and the folders under it that a version uses are watched themselves.
        if (dir === main && changed && changed.toString() !== path.basename(this.file)) return;
        // Saves come as bursts of events (truncate, write, rename); act once they are over.
        clearTimeout(this.timer);
        this.timer = setTimeout(this.onChange, this.debounceMs);
      });
    } catch (err) {
      // A referenced folder that does not exist yet: the checks report it; bus.yaml's own folder must be watchable.
      if (dir === main) this.onError(err as Error);
      return;
    }
    w.on('error', (err) => {
      w.close();
      this.watchers.delete(dir);
      if (dir === main) {
        this.stop();
        this.onError(err);
      }
    });
    this.watchers.set(dir, w);
  }
}
