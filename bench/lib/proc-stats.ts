import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and memory of one process, read from /proc (Linux only). */
export interface ProcSample {
  /** user + system CPU time since the process started, in ms */
  cpuMs: number;
  /**
   * Of it, the main thread's: the event loop, where a Node pipeline's work is serial. The rest is worker
   * threads (the bus's journal writer, letter renderers) and V8's and libuv's helpers.
   */
  mainThreadCpuMs: number;
  /**
   * Of it, the bus's journal writer thread's (named `bus-journal`; 0 in a process without one). A thread that
   * ended takes its time with it, so a writer restarted between two samples is undercounted.
   */
  journalThreadCpuMs: number;
  /** resident set size now, bytes */
  rssBytes: number;
  /** peak resident set size since the process started (VmHWM), bytes */
  peakRssBytes: number;
}

// USER_HZ is 100 on every Linux we run on (`getconf CLK_TCK`); /proc/<pid>/stat counts in it.
const TICK_MS = 1000 / 100;

export function sampleProcess(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMs: cpuTicks(`/proc/${pid}/stat`) * TICK_MS,
    // The main thread's id is the process id.
    mainThreadCpuMs: cpuTicks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS,
    journalThreadCpuMs: namedThreadsTicks(pid, 'bus-journal') * TICK_MS,
    rssBytes: kb(status, 'VmRSS') * 1024,
    peakRssBytes: kb(status, 'VmHWM') * 1024,
  };
}

/** utime + stime of a process or thread. */
function cpuTicks(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** utime + stime of a process's threads with this name (`comm`); threads may end while they are read. */
function namedThreadsTicks(pid: number, name: string): number {
  let ticks = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name) ticks += cpuTicks(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      // ended between the listing and the read
    }
  }
  return ticks;
}

function kb(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : NaN;
}
