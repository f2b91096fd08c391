import { copyConfig, REPO_CONFIG } from '../../test/config-copy';
import { test as runTests } from './test.command';

describe('bpi-bus test', () => {
  it('should pass the repo config: its route cases and fixtures', async () => {
    const sut = await runTests(REPO_CONFIG);

    expect(sut.exitCode).toBe(0);
    expect(sut.text.at(-1)).toMatch(/^5 route cases, 2 fixtures: 6 passed, 0 failed, 1 skipped$/);
  });

  it('should fail a route case the routes no longer satisfy, with both destination lists', async () => {
    const copy = await copyConfig();
    await copy.edit('bus.yaml', (t) => t.replace('from: crm', 'from: erp'));

    const sut = await runTests(copy.dir);

    expect(sut.exitCode).toBe(1);
    expect(sut.text).toContain('FAIL route case: a customer created in the CRM reaches the ERP\n       expected [erp], routed to []');
  });

  it("should check a new system's fixtures without any spec written for it", async () => {
    const copy = await copyConfig();
    await copy.write('mappings/erp/__fixtures__/outbound-customer-updated.canonical.json', JSON.stringify({ type: 'customer.updated', payload: { customerId: 'C-1', name: 'A' } }));
    await copy.write('mappings/erp/__fixtures__/outbound-customer-updated.native.json', JSON.stringify({ customerId: 'C-1', name: 'B', erpId: null }));

    const sut = await runTests(copy.dir);

    expect(sut.exitCode).toBe(1);
    expect(sut.text.join('\n')).toContain('mapped value differs from the fixture at name: expected "B", got "A"');
  });
});
