// class-transformer's @Type reads design-time types through the Reflect metadata API.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { IsRecordOf, IsStringRecord } from '../config-validators';
import { Secret } from '../secret';

/** Settings under `inbound:` for an HTTP system: how the bus's ingress endpoint recognises it. */
export class HttpInboundConfig {
  /** The key the system sends in `X-Api-Key`; write it as `${SALES_API_KEY}`, never inline. */
  @Secret() @IsString() @IsNotEmpty()
  apiKey!: string;

  /** Largest body this system may post, in bytes; defaults to `ingress.bodyLimit`. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  maxBodyBytes?: number;
}

/** How to ask the answering system one kind of query. */
export class HttpQueryConfig {
  /** GET fills `{field}` placeholders in `path` and sends the other scalar fields as query string; POST sends the encoded body. */
  @IsIn(['GET', 'POST'])
  method: 'GET' | 'POST' = 'GET';

  /** Appended to `url`, e.g. `/customers/{customerId}/billing-periods`. */
  @IsString()
  path!: string;
}

/**
 * How to send one canonical type many records per call: a JSON array of the mapped records, each
 * carrying its own Idempotency-Key in `keyField`, to `path`. For destinations with a bulk endpoint.
 */
export class HttpBatchConfig {
  /** Appended to `url`, e.g. `/usage/batch`; no `{field}` placeholders, as one call carries many records. */
  @IsString() @IsNotEmpty() @Matches(/^[^{}]*$/, { message: 'path takes no {field} placeholders: one call carries many records' })
  path!: string;

  /** Most records in one call. @default 100 */
  @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  maxRecords = 100;

  /** The field of each record that holds its Idempotency-Key (`<message id>:<system>`). @default 'idempotencyKey' */
  @IsString() @IsNotEmpty()
  keyField = 'idempotencyKey';
}

/** Settings under `outbound:` for an HTTP system: where and how the bus delivers. */
export class HttpOutboundConfig {
  /** Base URL, e.g. `${BILLING_URL}`; host names without a dot (`billing:8080`) are fine. */
  @Secret('url') @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  url!: string;

  /** Per attempt, from the call (a wait for a free socket included) to the last byte of the answer. @default 5000 */
  @Type(() => Number) @IsInt() @Min(1) @Max(600_000)
  timeoutMs = 5000;

  /** Extra headers on every call, e.g. `Authorization: "Bearer ${BILLING_TOKEN}"`; shown with their values redacted. */
  @Secret('values') @IsOptional() @IsStringRecord()
  headers?: Record<string, string>;

  /** Path appended to `url` per canonical message type, e.g. `customer.updated: /customers`. @default '' */
  @IsOptional() @IsStringRecord()
  paths?: Record<string, string>;

  /** @default 'POST' */
  @IsIn(['POST', 'PUT', 'PATCH'])
  method: 'POST' | 'PUT' | 'PATCH' = 'POST';

  /**
   * Per canonical message type sent in batches, e.g. `usage.priced: { path: /usage/batch, maxRecords: 200 }`.
   * Needs codec json; a type not listed goes one message per call.
   */
  @IsOptional() @IsRecordOf(HttpBatchConfig)
  batches?: Record<string, HttpBatchConfig>;

  /** Per canonical query type this system answers, e.g. `billing-period.get: { method: GET, path: /periods/{period} }`. */
  @IsOptional() @IsRecordOf(HttpQueryConfig)
  queries?: Record<string, HttpQueryConfig>;
}
