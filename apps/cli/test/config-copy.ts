import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO_CONFIG = path.resolve(__dirname, '../../../config');

/** A copy of the repo's config folder to edit: `edit('bus.yaml', (t) => t.replace(…))`. */
export async function copyConfig(): Promise<{ dir: string; edit(file: string, change: (text: string) => string): Promise<void>; write(file: string, text: string): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bpi-bus-cli-'));
  await cp(REPO_CONFIG, dir, { recursive: true });
  return {
    dir,
    edit: async (file, change) => writeFile(path.join(dir, file), change(await readFile(path.join(dir, file), 'utf8'))),
    write: (file, text) => writeFile(path.join(dir, file), text),
  };
}
