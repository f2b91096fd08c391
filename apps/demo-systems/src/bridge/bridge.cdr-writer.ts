import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * How the bridge puts a CDR file into the drop folder: `rename` writes `<name>.part` and renames it
 * when complete (what the real export script does); `direct` writes the final name in two steps,
 * so a reader can see half a file (to exercise the bus's readiness check); `marker` writes the file,
 * then `<name>.done`.
 */
export type CdrWriteMode = 'rename' | 'direct' | 'marker';

/** Writes CDR files; the only file I/O of the bridge stand-in. */
export class CdrWriter {
  constructor(
    readonly dir: string,
    private readonly mode: CdrWriteMode,
  ) {}

  /** Writes the lines (each ending in LF, as Asterisk does) and returns the file's path. */
  async write(name: string, lines: string[]): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const target = path.join(this.dir, path.basename(name));
    const text = lines.map((l) => `${l}\n`).join('');
    if (this.mode === 'rename') {
      await writeFile(`${target}.part`, text);
      await rename(`${target}.part`, target);
    } else if (this.mode === 'marker') {
      await writeFile(target, text);
      await writeFile(`${target}.done`, '');
    } else {
      // Two writes, as a slow exporter would do them: the first half can be seen alone.
      const half = Math.floor(text.length / 2);
      await writeFile(target, text.slice(0, half));
      await writeFile(target, text.slice(half), { flag: 'a' });
    }
    return target;
  }
}
