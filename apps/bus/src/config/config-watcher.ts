import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

/**
 * Calls `onChange` once things settle after the config file changes. Watches the folder, not the
 * file: editors and `kubectl`-style mounts replace the file by rename, which ends a file watch.
 */
export class ConfigWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  start(): void {
    if (this.watcher) return;
    const dir = path.dirname(path.resolve(this.file));
    const name = path.basename(this.file);
    this.watcher = watch(dir, { persistent: false }, (_event, changed) => {
      if (changed && changed.toString() !== name) return;
      // Saves come as bursts of events (truncate, write, rename); act once they are over.
      clearTimeout(this.timer);
      this.timer = setTimeout(this.onChange, this.debounceMs);
    });
    this.watcher.on('error', (err) => {
      this.stop();
      this.onError(err);
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
