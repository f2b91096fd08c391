import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/**
 * The version in package.json, for the OpenAPI document and the start-up line. Looked up from this
 * file's folder upwards, so it is found from the sources, the build output and the image alike.
 */
export function busVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = join(dir, '..')) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bpi-bus' && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here: look one folder up
    }
    if (join(dir, '..') === dir) return (cached = '0.0.0');
  }
}
