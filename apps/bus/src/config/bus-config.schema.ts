import { plainToInstance, Transform, Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsObject, IsInt, IsNotEmpty, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Duration, DurationList, FreeFormObject, Optional, Size, StringRecord } from './config-decorators';
import type { ProcessorConfig } from '../processors/processor.config';
import { BusinessKeyMap, SensitiveFields, SloConfig } from '../console/console.config';
import { JournalLevelMap, type JournalLevel } from '../journal/journal-levels';

/** System names end up in queue names (`bus.<system>`) and URLs (`/adapters/<system>/messages`). */
export const SYSTEM_NAME = /^[a-z][a-z0-9-]*$/;
/** A canonical type or a pattern: dot-separated segments, `*` = one segment, `#` = zero or more. */
export const TYPE_PATTERN = /^(\*|#|[A-Za-z0-9_-]+)(\.(\*|#|[A-Za-z0-9_-]+))*$/;
/** A concrete canonical type such as `billing-period.get`. */
export const CONCRETE_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const ROUTE_NAME = /^[A-Za-z0-9][\w.-]*$/;

const name = (what: string) => `must be a ${what} name: letters, digits, dashes, dots and underscores`;

/** One system: an instance of an adapter kind with a codec and a mapping. */
export class SystemConfig {
  /** Adapter kind id (ADAPTERS in @bus/adapters), e.g. `http`. */
  @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'Adapter kind id, e.g. http or file' })
  adapter!: string;

  /** Codec id (CODECS in @bus/adapters). */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'Codec id: json, xml, csv', default: 'json' })
  codec: string = 'json';

  /** Passed to the codec on every decode/encode (e.g. CSV delimiter, XML root element). */
  @Optional() @FreeFormObject('Codec options, e.g. { delimiter: ";" } for csv')
  codecOptions?: Record<string, unknown>;

  /** JSONata mapping folder, relative to the config file's folder (`mappings/sales`). */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'JSONata mapping folder relative to the config file, e.g. mappings/sales' })
  mapping?: string;

  /** Name of a code mapper (MAPPERS in @bus/adapters), instead of `mapping`. */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'Name of a TypeScript mapper (instead of mapping), e.g. passthrough' })
  mapper?: string;

  /** Adapter-specific inbound settings, checked against the adapter's inbound config class. */
  @Optional() @FreeFormObject('Inbound settings of the adapter kind; secrets only as ${ENV_VAR}')
  inbound?: Record<string, unknown>;

  /** Adapter-specific outbound settings, checked against the adapter's outbound config class. */
  @Optional() @FreeFormObject('Outbound settings of the adapter kind; secrets only as ${ENV_VAR}')
  outbound?: Record<string, unknown>;

  /** Entity -> payload field carrying that entity's id, for the id cross-reference (`{ customer: customerId }`). */
  @Optional() @StringRecord()
  @JSONSchema(() => ({ type: 'object', additionalProperties: { type: 'string' }, description: 'Entity -> payload field with its id, e.g. { customer: customerId }' }))
  xref?: Record<string, string>;

  /**
   * Business key of what the system sends: JSONata over each mapped canonical message (e.g. `payload.usageId`).
   * A message whose (type, key) the system sent before, in any file or request, is not published again.
   */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({
    description:
      'JSONata over each mapped canonical message giving its business key, e.g. payload.usageId: a message of the same type and key sent before (any file or request of this system) is not published again',
  })
  dedupKey?: string;
}

/** One destination of a route; written as a bare system name or `{ system, transform }`. */
export class RouteDestination {
  @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  system!: string;

  /** JSONata over the canonical envelope; its result replaces the payload for this destination. */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'JSONata over the envelope; the result becomes the payload for this destination' })
  transform?: string;
}

/** A bare name in `to:` is shorthand for `{ system: name }`. */
const toDestinations = (value: unknown) =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? plainToInstance(RouteDestination, { system: v }) : isPlainObject(v) ? plainToInstance(RouteDestination, v) : v)) : value;

const isPlainObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sends messages of some types (from some source, matching a condition) to one or more systems. */
export class RouteConfig {
  /** Unique; reported in headers, the journal and the admin API. */
  @IsString() @Matches(ROUTE_NAME, { message: name('route') })
  name!: string;

  /** Only messages from this system; omit for any source. */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  from?: string;

  @IsArray({ message: 'must be a list of message types, e.g. [customer.created, "customer.*"]' })
  @ArrayNotEmpty({ message: 'must name at least one message type' })
  @Matches(TYPE_PATTERN, { each: true, message: 'each value must be a message type or pattern (segments separated by ".", "*" = one segment, "#" = any rest)' })
  @JSONSchema({ description: 'Type patterns: exact, * = one segment, # = zero or more segments' })
  types!: string[];

  /** JSONata condition over the canonical envelope. */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: "JSONata condition over the envelope, e.g. payload.status = 'active'" })
  when?: string;

  @Transform(({ obj }) => toDestinations((obj as { to?: unknown }).to))
  @IsArray({ message: 'must be a list of systems' })
  @ArrayNotEmpty({ message: 'must name at least one system' })
  @ValidateNested({ each: true })
  @JSONSchema(() => ({
    type: 'array',
    minItems: 1,
    items: { oneOf: [{ type: 'string' }, { $ref: '#/definitions/RouteDestination' }] },
  }))
  to!: RouteDestination[];

  /** Service-level objective of the route (console/console.config.ts). */
  @Optional() @ValidateNested() @Type(() => SloConfig)
  slo?: SloConfig;
}

/** Request-reply: which system answers a canonical query type. */
export class QueryConfig {
  @IsString() @Matches(CONCRETE_TYPE, { message: 'must be a query type such as billing-period.get (no wildcards)' })
  type!: string;

  @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  answeredBy!: string;

  @Optional() @Duration({ description: 'How long the asking side waits (ms or a duration)', default: '5s' })
  timeoutMs: number = 5000;
}

/** How destinations consume, retry and dead-letter. */
export class DeliveryConfig {
  @Optional() @IsIn(['quorum', 'classic'], { message: 'must be quorum or classic' })
  @JSONSchema({ default: 'quorum', description: 'Type of the queues the bus declares; read at start (queues keep the type they were declared with)' })
  queueType: 'quorum' | 'classic' = 'quorum';

  @Optional() @IsInt() @Min(1) @Max(10_000)
  @JSONSchema({ default: 50, description: 'Messages each destination consumer delivers at once (and unacknowledged AMQP messages, a bundle counting once)' })
  prefetch: number = 50;

  @Optional() @IsInt() @Min(1) @Max(1000)
  @JSONSchema({
    default: 32,
    description:
      'Messages for the same destinations accepted together travel as one AMQP message of up to this many (a bundle); 1 sends each on its own. Read at start',
  })
  bundleRecords: number = 32;

  @Optional() @IsInt() @Min(0) @Max(100)
  @JSONSchema({ default: 2, description: 'In-process retries before delayed redelivery' })
  immediateRetries: number = 2;

  @Optional() @DurationList({ description: 'Delayed redeliveries through TTL queues; then dead-letter', default: ['1s', '10s', '1m'] })
  redeliveryDelays: number[] = [1000, 10_000, 60_000];
}

/** The HTTP ingress. */
export class IngressConfig {
  @Optional() @Size({ description: 'Largest accepted native body', default: '1mb' })
  bodyLimit: number = 1024 * 1024;
}

/** The message journal: what operators search with GET /admin/messages. */
export class JournalConfig {
  @Optional() @IsBoolean({ message: 'must be true or false' })
  @JSONSchema({ default: true, description: 'Record every message and hop; off only to measure its cost' })
  enabled: boolean = true;

  @Optional() @Size({ description: 'How much of each native body the journal keeps', default: '64kb' })
  maxRawBytes: number = 64 * 1024;

  @Optional() @Duration({ description: 'Journal entries older than this are purged; read at start', default: '30d' })
  retention: number = 30 * 86_400_000;

  /** Message type or pattern -> `full` or `failures` (journal-levels.ts); unlisted types are kept in full. */
  @Optional() @JournalLevelMap(TYPE_PATTERN)
  levels: Record<string, JournalLevel> = {};
}

/**
 * The whole of config/bus.yaml. Durations are milliseconds and sizes bytes once loaded.
 * `systems` and `jobs` are maps whose entries are checked one by one (see bus-config.validation.ts).
 */
export class BusConfig {
  @IsObject({ message: 'must be a mapping of system names to systems' })
  @JSONSchema(() => ({
    type: 'object',
    description: 'Systems by name: adapter kind, codec, mapping, inbound/outbound settings',
    propertyNames: { pattern: SYSTEM_NAME.source },
    additionalProperties: { $ref: '#/definitions/SystemConfig' },
  }))
  systems!: Record<string, SystemConfig>;

  /** Bus-internal stages (pricing, aggregation) by name; each is a route destination and a source. */
  @Optional() @IsObject({ message: 'must be a mapping of processor names to processors' })
  @JSONSchema(() => ({
    type: 'object',
    description: 'Bus-internal stages by name (kind usage-pricing or conference-summary); routable like systems',
    propertyNames: { pattern: SYSTEM_NAME.source },
    additionalProperties: { oneOf: [{ $ref: '#/definitions/UsagePricingProcessorConfig' }, { $ref: '#/definitions/ConferenceSummaryProcessorConfig' }] },
  }))
  processors: Record<string, ProcessorConfig> = {};

  @Optional() @IsArray() @ValidateNested({ each: true }) @Type(() => RouteConfig)
  routes: RouteConfig[] = [];

  @Optional() @IsArray() @ValidateNested({ each: true }) @Type(() => QueryConfig)
  queries: QueryConfig[] = [];

  @Optional() @ValidateNested() @Type(() => DeliveryConfig)
  delivery: DeliveryConfig = new DeliveryConfig();

  @Optional() @ValidateNested() @Type(() => IngressConfig)
  ingress: IngressConfig = new IngressConfig();

  @Optional() @ValidateNested() @Type(() => JournalConfig)
  journal: JournalConfig = new JournalConfig();

  /** Message type or pattern -> field paths of its business keys; searchable as `GET /admin/messages?businessKey=`. */
  @Optional() @BusinessKeyMap()
  businessKeys: Record<string, string[]> = {};

  /** Field names or paths the message API and the console show as `[redacted]`, besides the adapters' secrets. */
  @Optional() @SensitiveFields()
  sensitive: string[] = [];

  /** Scheduled batch jobs by name; each job's owner validates its settings. */
  @Optional() @FreeFormObject('Scheduled batch jobs by name (mail merge)')
  jobs: Record<string, object> = {};
}
