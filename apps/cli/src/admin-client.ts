import { ErrorCodes } from '@bus/canonical-model';
import type { CliOptions } from './cli.types';

/** A refusal of the admin API, with the bus's own code and problems. */
export class BusRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The running bus's admin API, as `bpi-bus plan/apply/rollback/history/dry-run` use it. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  static from(options: CliOptions, url = options.url ?? process.env.BUS_URL ?? 'http://127.0.0.1:3000'): AdminClient {
    return new AdminClient(url.replace(/\/+$/, ''), options.token ?? process.env.BUS_ADMIN_TOKEN ?? process.env.ADMIN_TOKEN);
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new BusRequestError(0, ErrorCodes.CLI_BUS_UNREACHABLE, `The bus at ${this.baseUrl} cannot be reached (${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}); start it, or pass --url (or set BUS_URL).`);
    }
    const text = await res.text();
    const json = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string | string[]; details?: { path: string; message: string }[] };
      const message = Array.isArray(e.message) ? e.message.join('; ') : (e.message ?? text);
      throw new BusRequestError(res.status, e.code ?? `HTTP.${res.status}`, `${method} ${path} answered ${res.status}: ${message}`, e.details ?? []);
    }
    return json as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
