import { execFileSync } from 'node:child_process';
import { HEAP_FLAGS } from './heap-settings';

describe('heap settings', () => {
  // setFlagsFromString ignores a flag V8 does not know without a word; on the command line it is an error.
  it.each(HEAP_FLAGS)('should set %s, a flag this Node knows', (flag) => {
    expect(() => execFileSync(process.execPath, [flag, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
  });
});
