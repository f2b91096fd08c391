import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the stand-in answers: 2xx, 500, or not at all (listener closed: connection refused). */
export type DestinationMode = 'up' | 'failing' | 'down';

/** One request (or one record of a batch) as the destination saw it. */
export interface SeenRequest {
  key: string;
  businessId: string;
  status: number;
  /** The key had already been answered 2xx: a resend the destination absorbs. */
  repeat: boolean;
  at: number;
}

export interface CountingDestinationOptions {
  /** Reads the business id from a parsed body; default `customerId` (the ERP's customer). */
  businessId?: (body: any) => string;
  /** Delay before each answer, to keep messages in flight. */
  slowMs?: number;
  /** Answers a batch it takes with 207 and a result per record, by key, instead of one 201 for the call. */
  multiStatus?: boolean;
}

/**
 * A destination system that honours Idempotency-Key and counts what it is sent. The first 2xx for a
 * key is the one effect; the same key again is a repeat, counted and answered 2xx like a real
 * idempotent system would. It keeps its port across `down()` / `up()`, so the bus's config stays valid.
 */
export class CountingDestination {
  readonly requests: SeenRequest[] = [];
  /** Key -> business id of the request answered 2xx first. */
  private readonly effects = new Map<string, string>();
  private readonly byKey = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  private mode: DestinationMode = 'up';
  private port = 0;
  slowMs: number;
  /** Calls that carried a batch of records (outbound.batches), and the records in them. */
  readonly batches = { calls: 0, records: 0 };

  private constructor(private readonly options: CountingDestinationOptions) {
    this.slowMs = options.slowMs ?? 0;
  }

  static async start(options: CountingDestinationOptions = {}): Promise<CountingDestination> {
    const sut = new CountingDestination(options);
    await sut.listen();
    return sut;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get state(): DestinationMode {
    return this.mode;
  }

  /** Answers 2xx (and listens again if it was down). */
  async up(): Promise<void> {
    this.mode = 'up';
    if (!this.server) await this.listen();
  }

  /** Answers 500 to everything. */
  async failing(): Promise<void> {
    this.mode = 'failing';
    if (!this.server) await this.listen();
  }

  /**
   * Closes the listener (connection refused from now on). Answers already written stay valid; a request
   * still waiting (slow) or arriving on a leftover keep-alive socket gets its socket destroyed instead.
   */
  async down(): Promise<void> {
    this.mode = 'down';
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // The close callback waits for every keep-alive socket to end; refusing new connections is what counts.
    server.close();
    server.closeIdleConnections();
  }

  async close(): Promise<void> {
    await this.down();
    for (const s of this.sockets) s.destroy();
  }

  /** Requests per key. */
  seen(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  /** Keys sent more than once (for any answer). */
  keysSeenMoreThanOnce(): string[] {
    return [...this.byKey].filter(([, n]) => n > 1).map(([k]) => k);
  }

  /** Requests that repeated a key already answered 2xx. */
  repeats(): SeenRequest[] {
    return this.requests.filter((r) => r.repeat);
  }

  /** Business id -> the distinct keys it was answered 2xx under (one key = one effect). */
  effectsByBusinessId(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, id] of this.effects) out.set(id, [...(out.get(id) ?? []), key]);
    return out;
  }

  /** Number of effects (keys answered 2xx). */
  effectCount(): number {
    return this.effects.size;
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A keep-alive socket that outlived down(): drop it without an answer, as a dead host would.
    if (this.mode === 'down') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => this.answer(req, res, Buffer.concat(chunks));
      if (this.slowMs > 0) setTimeout(answer, this.slowMs);
      else answer();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (this.mode === 'down') {
      // Went down while this request waited: its answer never leaves, so it has no effect.
      req.socket.destroy();
      return;
    }
    const status = this.mode === 'failing' ? 500 : 201;
    let parsed: any;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    // A batch (outbound.batches) is a JSON array of records, each with its own key: one effect per record.
    const records: Array<{ key: string; body: any }> = req.headers['x-batch-records'] !== undefined && Array.isArray(parsed)
      ? parsed.map((r: any) => ({ key: String(r?.idempotencyKey ?? ''), body: r }))
      : [{ key: String(req.headers['idempotency-key'] ?? ''), body: parsed }];
    if (req.headers['x-batch-records'] !== undefined) {
      this.batches.calls++;
      this.batches.records += records.length;
    }
    for (const record of records) this.count(record.key, record.body, status);
    if (this.options.multiStatus && req.headers['x-batch-records'] !== undefined && status < 300) {
      res.writeHead(207, { 'content-type': 'application/json' }).end(JSON.stringify(records.map((r) => ({ idempotencyKey: r.key, status }))));
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"ok":true}' : '{"error":"failing on purpose"}');
  }

  private count(key: string, body: any, status: number): void {
    const businessId = body === undefined ? '(unparsable body)' : String((this.options.businessId ?? ((b: any) => b?.customerId))(body) ?? '');
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    const repeat = this.effects.has(key);
    if (status < 300 && !repeat) this.effects.set(key, businessId);
    this.requests.push({ key, businessId, status, repeat, at: Date.now() });
  }
}
