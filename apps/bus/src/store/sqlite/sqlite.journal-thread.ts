import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JournalEvent } from '../store.types';
import type { JournalReply, JournalRequest } from './sqlite.journal-worker';

type Request = JournalRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

// Built code runs the .js worker; tests and the bench's ts-node runs load the .ts source.
const WORKER = join(__dirname, `sqlite.journal-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
const EXEC_ARGV = WORKER.endsWith('.ts') ? ['--require', 'ts-node/register/transpile-only'] : [];
/**
 * The thread's garbage is the batches it is handed (each message's canonical JSON and native text), dead
 * once written. With V8's default young generation the thread's heap grew far past that: 4 MB took the
 * bus's peak RSS with 64 KB messages from 330-342 to 297 MB, CPU within the rounds' spread (8 MB: 318 MB;
 * docs/benchmarks.md).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4 };

/**
 * The main thread's side of the journal's writer thread: each call posts one request and settles
 * with its reply. A thread that died fails the calls in flight (the Journal keeps those events and
 * retries) and is started again by the next call.
 */
export class JournalThread {
  private worker?: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(private readonly filename: string) {}

  append(events: JournalEvent[]): Promise<void> {
    return this.call({ op: 'append', events });
  }

  purge(cutoff: string): Promise<void> {
    return this.call({ op: 'purge', cutoff });
  }

  /** Waits for the writes asked for so far, closes the file and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.call({ op: 'close' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private call(request: Request): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...request, id });
      } catch (err) {
        // A value the thread cannot be handed (a function, a symbol): this batch fails, the thread is fine.
        this.pending.delete(id);
        reject(new Error(`journal file ${this.filename}: ${(err as Error)?.message ?? String(err)}`));
      }
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER, { workerData: { filename: this.filename }, execArgv: EXEC_ARGV, resourceLimits: THREAD_LIMITS });
    worker.on('message', (reply: JournalReply) => {
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) call?.reject(new Error(`journal file ${this.filename}: ${reply.error}`));
      else call?.resolve();
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`journal writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private lost(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
