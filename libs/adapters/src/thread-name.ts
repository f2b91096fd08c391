import { writeFileSync } from 'node:fs';

/**
 * Names the calling thread for the operating system (Linux, at most 15 characters), so `top -H`,
 * `ps -L` and /proc/<pid>/task/<tid>/comm tell the bus's own threads from V8's and libuv's helpers,
 * which are all called `node`. Elsewhere, or where /proc is read-only, the thread keeps its name.
 */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or no /proc: a name is a convenience, never a reason to fail.
  }
}
