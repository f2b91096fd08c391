/** Where a stand-in finds the bus: its base URL, the system name it posts as, and its API key. */
export interface BusLinkOptions {
  /** e.g. `http://127.0.0.1:3000`; without it the system works alone and posts nothing. */
  busUrl?: string;
  /** The system name in bus.yaml, i.e. the `{system}` in `/adapters/{system}/messages`. */
  system: string;
  apiKey?: string;
}

/** One outbound event and what became of it; `GET /outbox` shows these. */
export interface OutboxEntry {
  seq: number;
  event: string;
  recordId: string;
  idempotencyKey: string;
  status: 'pending' | 'sent' | 'failed' | 'disabled';
  attempts: number;
  httpStatus?: number;
  /** The bus's answer body (202 `{messageId, correlationId}` or the error). */
  response?: string;
  error?: string;
}

/** Three tries with a short pause, like the outbound-message retry of the systems this stands in for. */
const ATTEMPTS = 3;
const PAUSE_MS = 200;

/**
 * The stand-in's side of the bus: posts its native events to ingress (X-Api-Key, Idempotency-Key)
 * in the background, in order, and asks queries. Posting never blocks the stand-in's own API, as in a real CRM.
 */
export class BusLink {
  readonly outbox: OutboxEntry[] = [];
  /** Events go out one at a time, in the order they happened: a contract must not overtake its account. */
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;
  private closed = false;

  constructor(private options: BusLinkOptions) {}

  /** Points the system at a bus started after it (tests start the systems first, the bus needs their URLs). */
  useBus(busUrl: string, apiKey = this.options.apiKey): void {
    this.options = { ...this.options, busUrl, apiKey };
  }

  get messagesUrl(): string | undefined {
    return this.options.busUrl && `${trimSlash(this.options.busUrl)}/adapters/${this.options.system}/messages`;
  }

  queryUrl(name: string, params: Record<string, string>): string | undefined {
    if (!this.options.busUrl) return undefined;
    return `${trimSlash(this.options.busUrl)}/adapters/${this.options.system}/queries/${name}?${new URLSearchParams(params)}`;
  }

  /** Queues one event for the bus; returns its outbox entry at once. */
  post(event: string, recordId: string, idempotencyKey: string, body: string, contentType: string): OutboxEntry {
    const entry: OutboxEntry = { seq: ++this.seq, event, recordId, idempotencyKey, status: 'pending', attempts: 0 };
    this.outbox.push(entry);
    const url = this.messagesUrl;
    if (!url || this.closed) {
      entry.status = 'disabled';
      return entry;
    }
    this.queue = this.queue.then(() => this.deliver(entry, url, body, contentType));
    return entry;
  }

  /** Resolves when every queued event has been sent or has failed; tests and the demo wait on it. */
  async settled(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.queue;
      await last;
    } while (last !== this.queue);
  }

  /** Asks the bus a query; returns the bus's raw answer (status, content type, body). */
  async ask(name: string, params: Record<string, string>): Promise<{ status: number; contentType: string; body: string }> {
    const url = this.queryUrl(name, params);
    if (!url) return { status: 503, contentType: 'text/plain', body: `no bus configured: cannot ask ${name}` };
    const res = await fetch(url, { headers: this.headers() });
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/plain', body: await res.text() };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
  }

  private headers(): Record<string, string> {
    return this.options.apiKey ? { 'X-Api-Key': this.options.apiKey } : {};
  }

  private async deliver(entry: OutboxEntry, url: string, body: string, contentType: string): Promise<void> {
    while (entry.attempts < ATTEMPTS) {
      entry.attempts++;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { ...this.headers(), 'Content-Type': contentType, 'Idempotency-Key': entry.idempotencyKey },
          body,
        });
        entry.httpStatus = res.status;
        entry.response = await res.text();
        if (res.ok) {
          entry.status = 'sent';
          return;
        }
        // A 4xx will not get better by sending the same thing again.
        if (res.status < 500) break;
      } catch (e) {
        entry.error = (e as Error).message;
      }
      if (entry.attempts < ATTEMPTS && !this.closed) await new Promise((r) => setTimeout(r, PAUSE_MS * entry.attempts));
    }
    entry.status = 'failed';
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
