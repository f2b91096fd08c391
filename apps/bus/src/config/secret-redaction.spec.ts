import { plainToInstance } from 'class-transformer';
import { HttpInboundConfig, HttpOutboundConfig } from '@bus/adapters';
import type { SystemRuntime } from './active-config';
import { redactDeclaredSecrets } from './secret-redaction';

const runtime = (name: string, inbound?: object, outbound?: object) =>
  ({ name, inbound: inbound && plainToInstance(HttpInboundConfig, inbound), outbound: outbound && plainToInstance(HttpOutboundConfig, outbound) }) as SystemRuntime;

describe(redactDeclaredSecrets.name, () => {
  it('should redact a declared secret written inline in bus.yaml, keeping the rest', () => {
    const tree = {
      systems: {
        sales: { adapter: 'http', inbound: { apiKey: 'written-in-the-file' } },
        billing: { adapter: 'http', outbound: { url: 'https://u:p@billing/api', timeoutMs: 100 } },
      },
      routes: [],
    };
    const systems = new Map([
      ['sales', runtime('sales', { apiKey: 'written-in-the-file' })],
      ['billing', runtime('billing', undefined, { url: 'https://u:p@billing/api', timeoutMs: 100 })],
    ]);

    const sut = redactDeclaredSecrets(tree, systems);

    expect(sut).toEqual({
      systems: {
        sales: { adapter: 'http', inbound: { apiKey: '***' } },
        billing: { adapter: 'http', outbound: { url: 'https://u:***@billing/api', timeoutMs: 100 } },
      },
      routes: [],
    });
    expect(JSON.stringify(sut)).not.toContain('written-in-the-file');
  });
});
