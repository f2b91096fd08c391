import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AdapterHealth, DeliveryReceipt } from '../adapter';
import { PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';

/** One outbound HTTP exchange. */
export interface HttpCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** From the call (a wait for a free socket included) to the last byte of the answer. */
  timeoutMs: number;
}

/** Keeps a slow destination from holding many idle sockets while still pipelining bursts. */
export const MAX_SOCKETS = 64;
/** Answers are held in memory; anything bigger is a misconfigured endpoint, not an answer. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const SNIPPET_CHARS = 200;

/** Statuses that say "try again later" rather than "this message is wrong". */
export const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** The URL without credentials or query string, which may carry secrets. */
export const safeUrl = (url: URL) => `${url.protocol}//${url.host}${url.pathname}`;

const snippet = (body: Buffer) => {
  const text = body.subarray(0, SNIPPET_CHARS * 4).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
};

/** Error texts of this client, in one place. */
const say = {
  status: (c: HttpCall, status: number, body: Buffer) =>
    `${c.method} ${safeUrl(c.url)} answered ${status} ${http.STATUS_CODES[status] ?? ''}`.trimEnd() +
    (body.length ? `: ${snippet(body)}` : ''),
  timeout: (c: HttpCall) => `${c.method} ${safeUrl(c.url)} timed out after ${c.timeoutMs} ms (outbound.timeoutMs)`,
  network: (c: HttpCall, cause: string) => `${c.method} ${safeUrl(c.url)} failed: ${cause}`,
  tooLarge: (c: HttpCall) => `${c.method} ${safeUrl(c.url)} answered with more than ${MAX_RESPONSE_BYTES} bytes`,
  unreachable: (host: string, port: number, cause: string) => `cannot open a TCP connection to ${host}:${port}: ${cause}`,
};

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

class ResponseTooLarge extends Error {}

/** One call's exchange (the retry on a fresh socket replaces it) and whether its time ran out. */
interface Attempt {
  /** Ends the exchange now: destroys its request and fails the call (settling twice is harmless). */
  cancel?: (err: Error) => void;
  timedOut: boolean;
}

/**
 * The only place the adapters do outbound HTTP. One keep-alive agent per instance, so every
 * system gets its own connection pool; every outcome is classified here, at the throw site:
 * 2xx -> receipt; 408/429/5xx, network errors and timeouts -> TransientDeliveryError;
 * any other status -> PermanentDeliveryError with the start of the answer.
 */
export class HttpClient {
  private httpAgent?: http.Agent;
  private httpsAgent?: https.Agent;

  async call(c: HttpCall): Promise<DeliveryReceipt> {
    let response: RawResponse;
    // A timer that destroys the request rather than an AbortSignal: a signal costs an AbortController,
    // an event target and a listener per request (about 2 % of the bus's CPU at thousands of sends a second).
    const attempt: Attempt = { timedOut: false };
    const timer = setTimeout(() => {
      attempt.timedOut = true;
      attempt.cancel?.(new Error(`no answer within ${c.timeoutMs} ms`));
    }, c.timeoutMs);
    try {
      response = await this.exchange(c, attempt, true);
    } catch (e) {
      throw this.failure(c, e, attempt.timedOut);
    } finally {
      clearTimeout(timer);
    }
    const { status, headers, body } = response;
    if (status >= 200 && status < 300) {
      const contentType = headers['content-type'];
      return { status, body, contentType, nativeId: nativeIdOf(headers, c.url) };
    }
    if (isTransientStatus(status)) throw new TransientDeliveryError(say.status(c, status, body), status);
    throw new PermanentDeliveryError(say.status(c, status, body), status);
  }

  /** A TCP connect: proves the destination listens without touching its application logs. Never throws. */
  probe(url: URL, timeoutMs: number): Promise<AdapterHealth> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (health: AdapterHealth) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(health);
      };
      const timer = setTimeout(() => done({ status: 'down', detail: say.unreachable(host, port, `no answer within ${timeoutMs} ms`) }), timeoutMs);
      socket.once('connect', () => done({ status: 'up' }));
      socket.once('error', (e: NodeJS.ErrnoException) => done({ status: 'down', detail: say.unreachable(host, port, e.code ?? e.message) }));
    });
  }

  /** Closes pooled sockets; safe to call twice. */
  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.httpAgent = this.httpsAgent = undefined;
  }

  private agentFor(url: URL): http.Agent {
    if (url.protocol === 'https:') return (this.httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }));
    return (this.httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }));
  }

  private exchange(c: HttpCall, attempt: Attempt, mayRetryStaleSocket: boolean): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...c.headers };
      if (c.body) headers['Content-Length'] = c.body.length;
      const lib = c.url.protocol === 'https:' ? https : http;
      const req = lib.request(c.url, { method: c.method, headers, agent: this.agentFor(c.url) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new ResponseTooLarge());
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) }));
        res.on('error', reject);
        // A connection that drops mid-answer ends the stream without 'end'.
        res.on('close', () => res.complete || reject(Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' })));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A keep-alive socket the server already closed fails at once; Node documents retrying on a fresh
        // one. Safe because every send carries an Idempotency-Key.
        if (mayRetryStaleSocket && !attempt.timedOut && req.reusedSocket && e.code === 'ECONNRESET') this.exchange(c, attempt, false).then(resolve, reject);
        else reject(e);
      });
      attempt.cancel = (err) => {
        req.destroy(err);
        // A request still queued for a socket (all MAX_SOCKETS busy) reports its destruction only once it gets
        // one: fail the call now, so a query's deadline holds against a saturated pool. Nothing was sent.
        reject(err);
      };
      req.end(c.body);
    });
  }

  private failure(c: HttpCall, e: unknown, timedOut: boolean): Error {
    if (e instanceof ResponseTooLarge) return new PermanentDeliveryError(say.tooLarge(c));
    const error = e as NodeJS.ErrnoException;
    if (timedOut) return new TransientDeliveryError(say.timeout(c), undefined, { cause: e });
    return new TransientDeliveryError(say.network(c, error.code ?? error.message), undefined, { cause: e });
  }
}

/** The destination's id for what it created: `X-Resource-Id`, else the last segment of `Location`. */
function nativeIdOf(headers: http.IncomingHttpHeaders, base: URL): string | undefined {
  const explicit = headers['x-resource-id'];
  if (typeof explicit === 'string' && explicit) return explicit;
  const location = headers.location;
  if (!location) return undefined;
  try {
    const last = new URL(location, base).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}
