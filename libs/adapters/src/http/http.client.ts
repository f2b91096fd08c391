import { STATUS_CODES } from 'node:http';
import * as net from 'node:net';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import type { AdapterHealth, DeliveryReceipt } from '../adapter';
import { PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';

// The agent's own module, not undici's index: the index also loads fetch, WebSocket, caches and mocks, about
// 8 MB of memory for nothing the bus uses (docs/benchmarks.md, 2026-12-07, night).
const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

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
    `${c.method} ${safeUrl(c.url)} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() +
    (body.length ? `: ${snippet(body)}` : ''),
  timeout: (c: HttpCall) => `${c.method} ${safeUrl(c.url)} timed out after ${c.timeoutMs} ms (outbound.timeoutMs)`,
  network: (c: HttpCall, cause: string) => `${c.method} ${safeUrl(c.url)} failed: ${cause}`,
  tooLarge: (c: HttpCall) => `${c.method} ${safeUrl(c.url)} answered with more than ${MAX_RESPONSE_BYTES} bytes`,
  unreachable: (host: string, port: number, cause: string) => `cannot open a TCP connection to ${host}:${port}: ${cause}`,
};

type ResponseHeaders = Record<string, string | string[] | undefined>;

interface RawResponse {
  status: number;
  headers: ResponseHeaders;
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
 * The only place the adapters do outbound HTTP, on undici (Node's own HTTP/1.1 client, the engine of
 * its fetch): it costs about half the CPU of node:http's ClientRequest per call. One keep-alive agent
 * per instance, so every system gets its own connection pool; every outcome is classified here, at the throw site:
 * 2xx -> receipt; 408/429/5xx, network errors and timeouts -> TransientDeliveryError;
 * any other status -> PermanentDeliveryError with the start of the answer.
 */
export class HttpClient {
  private agent?: UndiciAgent;

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
      const contentType = first(headers['content-type']);
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
    this.agent?.destroy().catch(() => undefined);
    this.agent = undefined;
  }

  private exchange(c: HttpCall, attempt: Attempt, mayRetryClosedConnection: boolean): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let cancelled: Error | undefined;
      let status = 0;
      let headers: ResponseHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      attempt.cancel = (err) => {
        cancelled = err;
        controller?.abort(err);
        // A call still queued for a connection (all MAX_SOCKETS busy) fails now, so a query's deadline holds
        // against a saturated pool; it is aborted before it is written once it reaches a connection.
        reject(err);
      };
      const options: Dispatcher.DispatchOptions = { origin: c.url.origin, path: c.url.pathname + c.url.search, method: c.method as Dispatcher.HttpMethod, headers: requestHeaders(c), body: c.body };
      (this.agent ??= new Agent({ connections: MAX_SOCKETS })).dispatch(options, {
        onRequestStart: (ctrl) => {
          controller = ctrl;
          if (cancelled) ctrl.abort(cancelled);
        },
        onResponseStart: (_ctrl, statusCode, responseHeaders) => {
          status = statusCode;
          headers = responseHeaders;
        },
        onResponseData: (ctrl, chunk) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) ctrl.abort(new ResponseTooLarge());
          else chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ status, headers, body: Buffer.concat(chunks, size) }),
        onResponseError: (_ctrl, e) => {
          // A keep-alive connection the server closed as the call went out fails before any answer (no status yet):
          // send it once more on a fresh one. Safe because every send carries an Idempotency-Key.
          if (mayRetryClosedConnection && status === 0 && !cancelled && !attempt.timedOut && closedBeforeAnswer(e)) this.exchange(c, attempt, false).then(resolve, reject);
          else reject(e);
        },
      });
    });
  }

  private failure(c: HttpCall, e: unknown, timedOut: boolean): Error {
    if (e instanceof ResponseTooLarge) return new PermanentDeliveryError(say.tooLarge(c));
    const error = e as NodeJS.ErrnoException;
    if (timedOut) return new TransientDeliveryError(say.timeout(c), undefined, { cause: e });
    return new TransientDeliveryError(say.network(c, error.code ?? error.message), undefined, { cause: e });
  }
}

/** A header sent more than once counts by its first value. */
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const closedBeforeAnswer = (e: Error) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
};

/**
 * The call's headers as node:http would send them: names are case-insensitive, so a name given twice in
 * different case is sent once, with the later value; the URL's credentials go out as basic authorization
 * unless an Authorization header was given.
 */
function requestHeaders(c: HttpCall): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(c.headers)) {
    const lower = name.toLowerCase();
    const kept = names.get(lower);
    if (kept === undefined) names.set(lower, name);
    out[kept ?? name] = value;
  }
  const { username, password } = c.url;
  if ((username || password) && !names.has('authorization')) {
    out.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}`;
  }
  return out;
}

/** The destination's id for what it created: `X-Resource-Id`, else the last segment of `Location`. */
function nativeIdOf(headers: ResponseHeaders, base: URL): string | undefined {
  const explicit = first(headers['x-resource-id']);
  if (explicit) return explicit;
  const location = first(headers.location);
  if (!location) return undefined;
  try {
    const last = new URL(location, base).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}
