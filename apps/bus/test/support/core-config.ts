/** A small config for the core suites: one JSON-posting system and destinations on test HTTP servers. */
export const CRM_KEY = 'crm-test-key-0123456789';

export function coreYaml(
  destinations: Record<string, string>,
  extra: { routes?: string; delivery?: string; ingress?: string; /** Each destination's HTTP timeout; default 2000. */ outboundTimeoutMs?: number } = {},
): string {
  const systems = Object.entries(destinations)
    .map(
      ([name, url]) => `  ${name}:
    adapter: http
    codec: json
    mapping: mappings/erp
    outbound: { url: "${url}", timeoutMs: ${extra.outboundTimeoutMs ?? 2000} }`,
    )
    .join('\n');
  return `systems:
  crm:
    adapter: http
    codec: json
    mapping: mappings/crm
    inbound: { apiKey: "\${CRM_API_KEY}" }
${systems}
routes:
${extra.routes ?? `  - name: customers
    from: crm
    types: ["customer.*"]
    to: [${Object.keys(destinations).join(', ')}]`}
delivery:
${extra.delivery ?? '  immediateRetries: 0\n  redeliveryDelays: [100ms, 200ms]'}
ingress:
${extra.ingress ?? '  bodyLimit: 64kb'}
`;
}

/** A native CRM webhook body for one customer change. */
export function crmCustomer(overrides: { eventId?: string; event?: string; customer?: Record<string, unknown> } = {}) {
  return {
    event: overrides.event ?? 'customer.updated',
    eventId: overrides.eventId ?? `evt-${Math.random().toString(36).slice(2)}`,
    occurredAt: '2026-11-28T09:00:00.000Z',
    customer: {
      customerId: 'C-1001',
      name: 'Acme GmbH',
      status: 'active',
      email: 'billing@acme.example',
      address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      ...overrides.customer,
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
