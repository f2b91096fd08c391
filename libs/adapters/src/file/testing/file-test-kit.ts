import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NativeMessage } from '../../adapter';

/** Temp folders made by a spec, removed in afterAll. */
export class TempFolders {
  private readonly made: string[] = [];

  async make(prefix = 'bus-file-'): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Names in a folder, or [] when it does not exist. */
export const namesIn = (dir: string): Promise<string[]> => readdir(dir).then((n) => n.sort(), () => []);

export const readJson = async (file: string): Promise<any> => JSON.parse(await readFile(file, 'utf8'));

/** Records what `listen` hands over, as parsed values. */
export class Received {
  readonly messages: NativeMessage[] = [];
  readonly onNative = async (msg: NativeMessage): Promise<void> => {
    this.messages.push(msg);
  };

  get good() {
    return this.messages.filter((m) => !m.meta?.error);
  }

  get bad() {
    return this.messages.filter((m) => m.meta?.error);
  }
}
