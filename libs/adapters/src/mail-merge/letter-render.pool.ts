import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MappingError } from '../adapter.errors';
import type { LetterData, LetterRendererOptions } from './letter.renderer';
import type { RenderResult, RenderTask } from './letter-render.worker';

/** What renders letters: a LetterRenderer on the calling thread, or a LetterRenderPool. */
export interface LetterRendering {
  render(data: LetterData): Promise<Buffer>;
  /** Ends the threads; renders still waiting reject. Safe to call twice. */
  close?(): Promise<void>;
}

export interface LetterRenderPoolOptions {
  /** Worker threads. @default the machine's cores */
  threads?: number;
  /** Threads end after this long without a letter and start again with the next one. @default 10000 */
  idleMs?: number;
}

/** Letters a thread is given at once: one rendering, one waiting, so it never idles between messages. */
const PER_THREAD = 2;

/**
 * A letter allocates a few hundred KB that die young. V8's default young generation let each thread
 * grow to about 70 MB; 16 MB keeps it near 55 MB at the same speed (8 MB: 45 MB, a little slower).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 16 };

interface Task extends RenderTask {
  resolve(pdf: Buffer): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  tasks: Map<number, Task>;
}

/**
 * Renders letters on worker threads, so pdfkit's CPU work leaves the event loop (which keeps
 * serving the printer, the SMTP relay, the store and the admin API) and uses every core.
 * Each thread holds one LetterRenderer for the job's design. Requests wait in a FIFO when every
 * thread is busy; the callers bound it (the job's `concurrency` letters in flight), so the pool
 * holds no more than that many letters. Threads start with the first letter and end when idle.
 * A thread that dies fails only the letters it had; the next letter starts a new one.
 */
export class LetterRenderPool implements LetterRendering {
  private readonly threads: Thread[] = [];
  private readonly waiting: Task[] = [];
  private readonly size: number;
  private readonly idleMs: number;
  private nextId = 0;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly renderer: LetterRendererOptions, options: LetterRenderPoolOptions = {}) {
    this.size = Math.max(1, options.threads ?? availableParallelism());
    this.idleMs = options.idleMs ?? 10_000;
  }

  /** Threads running now (they start with the first letter). */
  get running(): number {
    return this.threads.length;
  }

  render(data: LetterData): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the letter render pool is closed'));
    clearTimeout(this.idleTimer);
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ id: ++this.nextId, data, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const task of this.waiting.splice(0)) task.reject(new Error('the letter render pool is closed'));
    await Promise.all(this.threads.splice(0).map((t) => this.end(t, 'the letter render pool is closed')));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const thread = this.freeThread();
      if (!thread) return;
      const task = this.waiting.shift()!;
      thread.tasks.set(task.id, task);
      thread.worker.ref(); // a letter under way does
      thread.worker.postMessage({ id: task.id, data: task.data } satisfies RenderTask);
    }
    if (this.threads.every((t) => t.tasks.size === 0)) {
      this.idleTimer = setTimeout(() => void this.endIdle(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  /** The least busy thread with room, or a new one while the pool is below its size. */
  private freeThread(): Thread | undefined {
    let best: Thread | undefined;
    for (const t of this.threads) if (t.tasks.size < PER_THREAD && (!best || t.tasks.size < best.tasks.size)) best = t;
    if (best?.tasks.size === 0 || this.threads.length >= this.size) return best;
    return this.start();
  }

  private start(): Thread {
    const worker = new Worker(WORKER_FILE, { workerData: this.renderer, execArgv: workerExecArgv(), resourceLimits: THREAD_LIMITS });
    const thread: Thread = { worker, tasks: new Map() };
    worker.on('message', (result: RenderResult) => {
      const task = thread.tasks.get(result.id);
      if (!task) return;
      thread.tasks.delete(result.id);
      if (thread.tasks.size === 0) worker.unref();
      if ('pdf' in result) task.resolve(Buffer.from(result.pdf.buffer, result.pdf.byteOffset, result.pdf.byteLength));
      else task.reject(toError(result.error));
      this.dispatch();
    });
    const died = (reason: string) => {
      const at = this.threads.indexOf(thread);
      if (at < 0) return;
      this.threads.splice(at, 1);
      for (const task of thread.tasks.values()) task.reject(new Error(`letter render thread ${reason}`));
      thread.tasks.clear();
      this.dispatch();
    };
    worker.on('error', (error) => died(`failed: ${error.message}`));
    worker.on('exit', (code) => died(`exited with code ${code}`));
    // An idle thread never keeps the process alive (unref after the listeners: a 'message' listener refs it).
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private async endIdle(): Promise<void> {
    const idle = this.threads.filter((t) => t.tasks.size === 0);
    if (idle.length !== this.threads.length || this.waiting.length > 0) return;
    this.threads.splice(0);
    await Promise.all(idle.map((t) => this.end(t, 'ended')));
  }

  private async end(thread: Thread, reason: string): Promise<void> {
    for (const task of thread.tasks.values()) task.reject(new Error(reason));
    thread.tasks.clear();
    await thread.worker.terminate();
  }
}

/** The worker's file next to this one: `.js` in a build, `.ts` under ts-jest or ts-node. */
const WORKER_FILE = join(__dirname, `letter-render.worker${extname(__filename)}`);

/** A `.ts` worker needs a TypeScript loader in its thread (specs); a build inherits the parent's flags. */
function workerExecArgv(): string[] {
  if (extname(__filename) !== '.ts') return process.execArgv;
  const tsNode = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
  return [...process.execArgv.filter((a) => !a.startsWith('--inspect')), ...tsNode];
}

function toError(e: { name: string; message: string; location?: string }): Error {
  if (e.name === 'MappingError') return new MappingError(e.message, e.location);
  return Object.assign(new Error(e.message), { name: e.name });
}
