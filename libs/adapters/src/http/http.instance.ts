import type { AdapterContext, AdapterHealth, AdapterInstance, DeliveryReceipt, NativeMessage, RequestContext, SendContext } from '../adapter';
import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { HttpBatchSender } from './http.batch-sender';
import type { HttpClient } from './http.client';
import type { HttpBatchConfig, HttpOutboundConfig } from './http.config';
import { joinUrl, queryUrl } from './http.urls';

/** A health probe must answer fast even when the destination's own timeout is long. */
const PROBE_TIMEOUT_MS = 2000;

/** `{field}` or `{a.b}` in an outbound path. */
const PLACEHOLDERS = /\{([^{}]+)\}/g;
const PLACEHOLDER = /\{([^{}]+)\}/;

/** Error texts of this instance, in one place. */
const say = {
  noPathField: (system: string, type: string, path: string, field: string) =>
    `System ${system}, ${type}: the path ${path} needs ${field} from the mapped value, but it has none; ` +
    `return ${field} from outbound/${type}.jsonata (when it is an id from $xref, the destination may not know this entity yet)`,
  noOutbound: (system: string) => `System ${system} has no outbound settings; add systems.${system}.outbound.url to bus.yaml`,
  noQuery: (system: string, type: string) =>
    `System ${system} has no way to answer ${type}; add systems.${system}.outbound.queries["${type}"] with method and path`,
  deadline: (system: string, type: string) => `Query ${type} to system ${system} was not sent: its deadline had already passed`,
  notAnObject: (system: string, type: string) =>
    `system ${system}, query ${type}: a GET query needs the native request as an object of fields (codec json, or the value passed along)`,
};

/** One HTTP system. Pure plumbing: codec and mapping run in the host, around it. */
export class HttpInstance implements AdapterInstance {
  /** Per message type; URLs derive from config only, so they are built once. */
  private readonly sendUrls = new Map<string, URL>();
  /** Per message type sent in batches (`outbound.batches`). */
  private readonly batchSenders = new Map<string, HttpBatchSender>();

  constructor(
    private readonly config: HttpOutboundConfig | undefined,
    private readonly client: HttpClient,
    private readonly ctx: Pick<AdapterContext, 'instanceName'>,
  ) {}

  async send(msg: NativeMessage, ctx: SendContext): Promise<DeliveryReceipt> {
    const config = this.outbound();
    const batch = config.batches?.[ctx.type];
    if (batch) return this.batchSender(config, ctx.type, batch).send(msg, ctx);
    return this.client.call({
      method: config.method,
      url: this.sendUrl(config, ctx.type, msg),
      headers: {
        ...config.headers,
        'Content-Type': msg.contentType,
        'Idempotency-Key': ctx.idempotencyKey,
        'X-Message-Id': ctx.messageId,
        'X-Correlation-Id': ctx.correlationId,
      },
      body: msg.body,
      timeoutMs: config.timeoutMs,
    });
  }

  async request(msg: NativeMessage, ctx: RequestContext): Promise<DeliveryReceipt> {
    const config = this.outbound();
    const query = config.queries?.[ctx.type];
    if (!query) throw new PermanentDeliveryError(say.noQuery(this.ctx.instanceName, ctx.type));
    const timeoutMs = Math.min(config.timeoutMs, ctx.deadline - Date.now());
    if (timeoutMs <= 0) throw new TransientDeliveryError(say.deadline(this.ctx.instanceName, ctx.type));
    const headers = {
      ...config.headers,
      Accept: msg.contentType,
      'X-Message-Id': ctx.messageId,
      'X-Correlation-Id': ctx.correlationId,
    };
    if (query.method === 'GET') {
      const url = queryUrl(config.url, query.path, this.fields(msg, ctx.type), `system ${this.ctx.instanceName}, query ${ctx.type}`);
      return this.client.call({ method: 'GET', url, headers, timeoutMs });
    }
    const url = joinUrl(config.url, query.path);
    return this.client.call({ method: 'POST', url, headers: { ...headers, 'Content-Type': msg.contentType }, body: msg.body, timeoutMs });
  }

  async checkHealth(): Promise<AdapterHealth> {
    if (!this.config) return { status: 'up', detail: 'inbound only: the bus ingress receives this system' };
    try {
      return await this.client.probe(new URL(this.config.url), Math.min(PROBE_TIMEOUT_MS, this.config.timeoutMs));
    } catch (e) {
      return { status: 'down', detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private batchSender(config: HttpOutboundConfig, type: string, batch: HttpBatchConfig): HttpBatchSender {
    let sender = this.batchSenders.get(type);
    if (!sender) {
      const url = joinUrl(config.url, batch.path);
      const call = (body: Buffer, records: number) =>
        this.client.call({
          method: 'POST',
          url,
          headers: { ...config.headers, 'Content-Type': 'application/json', 'X-Batch-Records': String(records) },
          body,
          timeoutMs: config.timeoutMs,
        });
      this.batchSenders.set(type, (sender = new HttpBatchSender(batch, call, { system: this.ctx.instanceName, type })));
    }
    return sender;
  }

  private outbound(): HttpOutboundConfig {
    if (!this.config) throw new PermanentDeliveryError(say.noOutbound(this.ctx.instanceName));
    return this.config;
  }

  /**
   * `{a.b}` placeholders in `paths.<type>` take fields of the encoded value (e.g. the destination's
   * account number); a path without placeholders depends only on config and is built once.
   */
  private sendUrl(config: HttpOutboundConfig, type: string, msg: NativeMessage): URL {
    const cached = this.sendUrls.get(type);
    if (cached) return cached;
    const path = config.paths?.[type] ?? '';
    if (!PLACEHOLDER.test(path)) {
      const url = joinUrl(config.url, path);
      this.sendUrls.set(type, url);
      return url;
    }
    return joinUrl(config.url, path.replace(PLACEHOLDERS, (_m, field: string) => encodeURIComponent(this.pathField(msg.value, field, path, type))));
  }

  private pathField(value: unknown, field: string, path: string, type: string): string {
    const found = field.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
    if (typeof found === 'string' ? found !== '' : typeof found === 'number' || typeof found === 'boolean') return String(found);
    throw new MappingError(say.noPathField(this.ctx.instanceName, type, path, field), field);
  }

  /** The request's fields for a GET: the encoded value when the host passes it, else the JSON body. */
  private fields(msg: NativeMessage, type: string): Record<string, unknown> {
    let value = msg.value;
    if (value === undefined && msg.body.length && /json/i.test(msg.contentType)) {
      try {
        value = JSON.parse(msg.body.toString('utf8'));
      } catch (cause) {
        throw new MappingError(say.notAnObject(this.ctx.instanceName, type), undefined, { cause });
      }
    }
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError(say.notAnObject(this.ctx.instanceName, type));
    return value as Record<string, unknown>;
  }
}
