import { runAdapterConformance, silentAdapterContext } from '@bus/adapters/testing';
import { validateAdapterConfig } from '../adapter-config.validator';
import { closedPort } from '../testing/http-test-server';
import { httpAdapter } from './http.adapter';
import type { HttpOutboundConfig } from './http.config';

describe('httpAdapter', () => {
  runAdapterConformance(httpAdapter, {
    validInbound: [{ apiKey: 'sales-key-from-env' }, { apiKey: 'k', maxBodyBytes: '1048576' }],
    validOutbound: [
      { url: 'http://billing:8080/api' },
      {
        url: 'https://crm.example.com',
        timeoutMs: '2500',
        method: 'PUT',
        headers: { Authorization: 'Bearer abc' },
        paths: { 'customer.updated': '/customers' },
        batches: { 'usage.priced': { path: '/usage/batch', maxRecords: '200', keyField: 'key' } },
        queries: { 'billing-period.get': { method: 'GET', path: '/periods/{customerId}' }, 'invoice.find': { path: '/invoices/search', method: 'POST' } },
      },
    ],
    makeInstance: async () => {
      const { value } = validateAdapterConfig(httpAdapter, 'outbound', { url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 500 });
      return httpAdapter.create({ outbound: value as HttpOutboundConfig }, silentAdapterContext('billing'));
    },
  });

  it('should apply the documented defaults', () => {
    const { value } = validateAdapterConfig(httpAdapter, 'outbound', { url: 'http://billing' });
    expect(value).toMatchObject({ timeoutMs: 5000, method: 'POST' });
  });

  it.each([
    [{ url: 'billing:8080' }, 'url'],
    [{ url: 'ftp://billing' }, 'url'],
    [{ url: 'http://b', timeoutMs: 'soon' }, 'timeoutMs'],
    [{ url: 'http://b', method: 'DELETE' }, 'method'],
    [{ url: 'http://b', headers: { 'X-Retries': 3 } }, 'headers'],
    [{ url: 'http://b', queries: { 'billing-period.get': { method: 'PUT', path: '/p' } } }, 'queries.billing-period.get.method'],
    [{ url: 'http://b', queries: { 'billing-period.get': { method: 'GET' } } }, 'queries.billing-period.get.path'],
    [{ url: 'http://b', queries: { 'billing-period.get': { path: '/p', verb: 'GET' } } }, 'queries.billing-period.get.verb'],
    [{ url: 'http://b', batches: { 'usage.priced': { path: '/accounts/{customerId}/usage' } } }, 'batches.usage.priced.path'],
    [{ url: 'http://b', batches: { 'usage.priced': { path: '/usage', maxRecords: 0 } } }, 'batches.usage.priced.maxRecords'],
  ])('should reject outbound settings %j at %s', (plain, path) => {
    const { errors } = validateAdapterConfig(httpAdapter, 'outbound', plain);
    expect(errors.map((e) => e.path)).toEqual([path]);
  });

  it('should reject an empty apiKey', () => {
    expect(validateAdapterConfig(httpAdapter, 'inbound', { apiKey: '' }).errors).toEqual([{ path: 'apiKey', message: expect.any(String) }]);
  });
});
