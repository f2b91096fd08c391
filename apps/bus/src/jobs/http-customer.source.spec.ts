import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomerSourceError, type SourceRecord } from './customer-source';
import { HttpJsonCustomerSource, httpGetJson } from './http-customer.source';

const collect = async (source: HttpJsonCustomerSource) => {
  const out: SourceRecord[] = [];
  for await (const r of source.read()) out.push(r);
  return out;
};

describe(HttpJsonCustomerSource.name, () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: unknown };

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...(answer.body as object), key: req.headers['x-api-key'] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/accounts`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('should map a system list in its own field names to recipients', async () => {
    answer = { status: 200, body: { records: [{ Id: '001A', Name: 'Acme', BillingStreet: 'Ring 1', BillingPostalCode: 10115, BillingCity: 'Berlin', Email__c: 'a@acme.example' }] } };
    const sut = new HttpJsonCustomerSource('system sales GET /accounts', httpGetJson(url, { 'x-api-key': 'k1' }),
      "records.{ 'customerId': Id, 'name': Name, 'street': BillingStreet, 'postalCode': BillingPostalCode, 'city': BillingCity, 'email': Email__c, 'key': %.key }");
    const records = await collect(sut);
    expect(records).toEqual([{ recipient: { customerId: '001A', name: 'Acme', street: 'Ring 1', postalCode: '10115', city: 'Berlin', email: 'a@acme.example', key: 'k1' }, position: 'system sales GET /accounts item 0' }]);
  });

  it('should fail with the system and status when the system answers an error', async () => {
    answer = { status: 503, body: {} };
    await expect(collect(new HttpJsonCustomerSource('system sales GET /accounts', httpGetJson(url)))).rejects.toThrow(CustomerSourceError);
    await expect(collect(new HttpJsonCustomerSource('system sales GET /accounts', httpGetJson(url)))).rejects.toThrow(/system sales GET \/accounts: GET .* answered 503/);
  });

  it('should refuse a mapping that does not compile', () => {
    expect(() => new HttpJsonCustomerSource('system sales', httpGetJson(url), 'records.{')).toThrow(/mapping does not compile/);
  });
});
