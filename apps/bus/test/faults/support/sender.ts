import * as http from 'node:http';

/** One message a drill sends: its Idempotency-Key, the business id the destination will see, and its body. */
export interface OutgoingMessage {
  key: string;
  businessId: string;
  body: unknown;
}

export interface SenderOptions {
  /** Bus base URLs; a retry after a refused connection goes to the next one. */
  urls: () => string[];
  /** e.g. `/adapters/crm/messages` */
  path: string;
  headers: Record<string, string>;
  /** Requests in flight at once. @default 16 */
  concurrency?: number;
  /** Upper bound on new messages started per second (retries are not counted); unset = as fast as accepted. */
  ratePerSecond?: number;
  /** Give up on one request after this long and send it again with the same key. @default 30000 */
  requestTimeoutMs?: number;
}

/** What the sender saw; accepted keys are the ones the bus answered 2xx. */
export interface SendReport {
  /** key -> message id from the 2xx answer */
  accepted: Map<string, string>;
  /** key -> the status of a final non-retryable answer (a 4xx, a 500) */
  refused: Map<string, number>;
  /** Sends of a key after the first, by cause: `503`, `ECONNREFUSED`, `ECONNRESET`, `timeout`, … */
  retries: Map<string, number>;
}

/**
 * A sender keeping the documented contract: each message has its own Idempotency-Key, and on 503,
 * connection refused, reset or timeout it is sent again with the SAME key until the bus answers 2xx.
 * Anything else is final and counted as refused.
 */
export class Sender {
  readonly report: SendReport = { accepted: new Map(), refused: new Map(), retries: new Map() };
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private started = 0;
  private stopped = false;
  private next = 0;

  constructor(private readonly options: SenderOptions) {}

  /** Messages started so far (accepted or still being retried). */
  get inProgress(): number {
    return this.started;
  }

  /** Sends every message to a 2xx (or a final refusal); resolves when all are settled. */
  async send(messages: OutgoingMessage[]): Promise<SendReport> {
    const queue = [...messages];
    const startedAt = Date.now();
    const worker = async () => {
      for (let m = queue.shift(); m && !this.stopped; m = queue.shift()) {
        await this.pace(startedAt);
        this.started++;
        await this.deliver(m);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 16 }, worker));
    return this.report;
  }

  /** Stops retrying (a drill that failed already); messages not yet accepted stay unaccepted. */
  stop(): void {
    this.stopped = true;
    this.agent.destroy();
  }

  private async pace(startedAt: number): Promise<void> {
    const rate = this.options.ratePerSecond;
    if (!rate) return;
    const due = startedAt + (this.started / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private async deliver(m: OutgoingMessage): Promise<void> {
    const body = JSON.stringify(m.body);
    for (let attempt = 0; !this.stopped; attempt++) {
      const url = this.pickUrl();
      const result = await this.post(url, m.key, body);
      if ('status' in result && result.status >= 200 && result.status < 300) {
        this.report.accepted.set(m.key, result.messageId);
        return;
      }
      const cause = 'status' in result ? (result.status === 503 ? '503' : undefined) : result.error;
      if (!cause) {
        this.report.refused.set(m.key, (result as { status: number }).status);
        return;
      }
      this.report.retries.set(cause, (this.report.retries.get(cause) ?? 0) + 1);
      // A short backoff so a bus that is down is not hammered; growing but capped.
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** Math.min(attempt, 4), 500)));
    }
  }

  private pickUrl(): string {
    const urls = this.options.urls();
    return urls[this.next++ % urls.length];
  }

  private post(base: string, key: string, body: string): Promise<{ status: number; messageId: string } | { error: string }> {
    return new Promise((resolve) => {
      const req = http.request(
        `${base}${this.options.path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...this.options.headers, 'content-type': 'application/json', 'idempotency-key': key, 'content-length': Buffer.byteLength(body) },
          timeout: this.options.requestTimeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let messageId = '';
            try {
              messageId = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).messageId ?? '');
            } catch {
              // not JSON: only the status matters then
            }
            resolve({ status: res.statusCode ?? 0, messageId });
          });
          res.on('error', () => resolve({ error: 'ECONNRESET' }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      req.end(body);
    });
  }
}
