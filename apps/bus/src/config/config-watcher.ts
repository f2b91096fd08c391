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
  /** Names in the folder of bus.yaml whose changes count. */
  private rootNames: Set<string>;

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.folders = [path.dirname(path.resolve(file))];
    this.rootNames = new Set([path.basename(file)]);
  }

  start(): void {
    this.running = true;
    this.sync();
  }

  /** Watches these folders from now on (the folder of bus.yaml is always one of them). */
  retarget(folders: readonly string[], rootNames: readonly string[] = []): void {
    this.folders = [...new Set([path.dirname(path.resolve(this.file)), ...folders])];
    this.rootNames = new Set([path.basename(this.file), ...rootNames]);
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
    const added = this.folders.filter((dir) => !this.watchers.has(dir));
    for (const dir of added) this.watchFolder(dir);
    // A folder may have changed before its watch began (created, then written at once): look once.
    if (added.length && this.watchers.size > added.length) this.schedule();
  }

  /** Saves come as bursts of events (truncate, write, rename); act once they are over. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onChange, this.debounceMs);
  }

  private watchFolder(dir: string): void {
    const main = path.dirname(path.resolve(this.file));
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_event, changed) => {
        // The folder of bus.yaml may hold other files (the store's data): only the names a version uses count there.
        if (dir === main && changed && !this.rootNames.has(changed.toString())) return;
        this.schedule();
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
