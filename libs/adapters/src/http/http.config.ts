// class-transformer's @Type reads design-time types through the Reflect metadata API.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
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

  /** Per canonical query type this system answers, e.g. `billing-period.get: { method: GET, path: /periods/{period} }`. */
  @IsOptional() @IsRecordOf(HttpQueryConfig)
  queries?: Record<string, HttpQueryConfig>;
}
