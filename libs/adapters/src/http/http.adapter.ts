import { defineAdapter } from '../adapter';
import { HttpClient } from './http.client';
import { HttpInboundConfig, HttpOutboundConfig } from './http.config';
import { HttpInstance } from './http.instance';

/**
 * HTTP(S) systems. Outbound: POSTs (or PUT/PATCH) the native body with an Idempotency-Key and
 * answers queries by GET or POST. Inbound: the bus's ingress endpoint receives the system's posts;
 * this adapter only validates its API key setting.
 */
export const httpAdapter = defineAdapter<HttpInboundConfig, HttpOutboundConfig>({
  id: 'http',
  summary: 'JSON, XML or CSV over HTTP(S): ingress endpoint in, idempotent POST out, queries by GET or POST.',
  capabilities: { inbound: true, outbound: { idempotent: true }, query: true, maturity: 'beta' },
  config: { inbound: HttpInboundConfig, outbound: HttpOutboundConfig },
  create: (config, ctx) => new HttpInstance(config.outbound, new HttpClient(), ctx),
  // A batch is a JSON array of the records with their keys in them.
  codecProblems: (outbound, codec) =>
    codec === 'json'
      ? []
      : Object.keys(outbound.batches ?? {}).map((type) => ({
          path: `batches["${type}"]`,
          message: `sends ${type} as a JSON array, which needs codec json (this system has codec ${codec}); remove it from outbound.batches or use codec json`,
        })),
});
