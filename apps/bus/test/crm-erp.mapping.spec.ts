import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadJsonataMapping } from '@bus/adapters';
import { validatePayload } from '@bus/canonical-model';

const MAPPINGS = resolve(__dirname, '../../../config/mappings');
const fixture = async (file: string) => JSON.parse(await readFile(join(MAPPINGS, file), 'utf8'));

/** The shipped config's mappings (config/bus.yaml), checked against their fixtures. */
describe('crm and erp mappings', () => {
  it('should map the CRM webhook to a valid canonical customer.updated', async () => {
    const sut = await loadJsonataMapping(join(MAPPINGS, 'crm'));

    const [draft] = await sut.toCanonical(await fixture('crm/__fixtures__/customer-updated.native.json'));

    expect(draft).toEqual(await fixture('crm/__fixtures__/customer-updated.canonical.json'));
    expect(validatePayload(draft.type, draft.payload)).toEqual([]);
  });

  it('should map a canonical customer to the ERP body, with the ERP id the bus knows', async () => {
    const sut = await loadJsonataMapping(join(MAPPINGS, 'erp'));
    const canonical = await fixture('crm/__fixtures__/customer-updated.canonical.json');

    const native = await sut.fromCanonical({ id: 'm-1', source: 'crm', schemaVersion: 1, correlationId: 'm-1', ...canonical }, { xref: 'ERP-77' });

    expect(native).toEqual(await fixture('erp/__fixtures__/customer-updated.native.json'));
  });
});
