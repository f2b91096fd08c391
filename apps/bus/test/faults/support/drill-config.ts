import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from './sender';

/** The key the CRM posts with, as bus.yaml reads it from `${CRM_API_KEY}`. */
export const CRM_KEY = 'drill-crm-key-0123456789';

/** Where the CRM posts its changes. */
export const CRM_INGRESS = '/adapters/crm/messages';

export interface DrillDelivery {
  prefetch?: number;
  immediateRetries?: number;
  /** e.g. `['100ms', '200ms']` */
  redeliveryDelays?: string[];
  /** The ERP's HTTP timeout; a changed value makes a reload swap the ERP's consumer. @default 30000 */
  erpTimeoutMs?: number;
}

/**
 * The core scenario of config/bus.yaml (the CRM posts customer changes, the ERP receives them over
 * HTTP) with delivery settings that keep a drill fast. The ERP's timeout is long on purpose: a
 * timeout on a busy machine would resend a key the destination already answered, which is not the
 * fault a drill is looking for.
 */
export function drillYaml(erpUrl: string, delivery: DrillDelivery = {}): string {
  return `systems:
  crm:
    adapter: http
    codec: json
    mapping: mappings/crm
    inbound: { apiKey: "\${CRM_API_KEY}" }
  erp:
    adapter: http
    codec: json
    mapping: mappings/erp
    outbound: { url: "${erpUrl}", timeoutMs: ${delivery.erpTimeoutMs ?? 30000} }
routes:
  - name: customers-crm-to-erp
    from: crm
    types: [customer.created, customer.updated]
    to: [erp]
delivery:
  queueType: quorum
  prefetch: ${delivery.prefetch ?? 50}
  immediateRetries: ${delivery.immediateRetries ?? 0}
  redeliveryDelays: [${(delivery.redeliveryDelays ?? ['100ms', '250ms', '500ms', '1s', '2s', '5s']).join(', ')}]
ingress:
  bodyLimit: 64kb
`;
}

/**
 * `count` CRM customer changes, each with its own Idempotency-Key and its own customer id (the
 * business id the ERP sees). `event` picks the type, e.g. alternate created/updated by index.
 */
export function crmMessages(count: number, event: (i: number) => string = () => 'customer.updated'): OutgoingMessage[] {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i) => {
    const businessId = `D-${run}-${i}`;
    return {
      key: `drill-${run}-${i}`,
      businessId,
      body: {
        event: event(i),
        eventId: `evt-${run}-${i}`,
        occurredAt: '2026-11-28T09:00:00.000Z',
        customer: {
          customerId: businessId,
          name: `Drill customer ${i}`,
          status: 'active',
          email: 'billing@drill.example',
          address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
        },
      },
    };
  });
}
