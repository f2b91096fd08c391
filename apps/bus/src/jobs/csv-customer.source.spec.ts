import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvCustomerSource } from './csv-customer.source';
import { CustomerSourceError, type SourceRecord } from './customer-source';

const collect = async (source: CsvCustomerSource) => {
  const out: SourceRecord[] = [];
  for await (const r of source.read()) out.push(r);
  return out;
};

describe(CsvCustomerSource.name, () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'bus-csv-source-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const file = async (text: string) => {
    const path = join(dir, 'customers.csv');
    await writeFile(path, text);
    return path;
  };

  it('should stream the customers with their line numbers and keep extra columns', async () => {
    const sut = new CsvCustomerSource(await file('\uFEFFcustomerId,name,street,postalCode,city,country,email,status\nC1,"Müller, Jürgen",Am Weg 7,50667,Köln,,jm@example.com,active\n\nC2,Eva,Ring 1,10115,Berlin,Germany,,inactive\n'));
    const records = await collect(sut);
    expect(records.map((r) => r.recipient)).toEqual([
      { customerId: 'C1', name: 'Müller, Jürgen', street: 'Am Weg 7', postalCode: '50667', city: 'Köln', email: 'jm@example.com', status: 'active' },
      { customerId: 'C2', name: 'Eva', street: 'Ring 1', postalCode: '10115', city: 'Berlin', country: 'Germany', status: 'inactive' },
    ]);
    expect(records[1].position).toMatch(/customers.csv line 4$/);
  });

  it('should refuse a header without the address columns, naming what is missing', async () => {
    const sut = new CsvCustomerSource(await file('id,name\n1,x\n'));
    await expect(collect(sut)).rejects.toThrow(CustomerSourceError);
    await expect(collect(sut)).rejects.toThrow(/lacks customerId, street, postalCode, city/);
  });

  it('should name the file when it does not exist', async () => {
    await expect(collect(new CsvCustomerSource(join(dir, 'missing.csv')))).rejects.toThrow(/missing.csv/);
  });
});
