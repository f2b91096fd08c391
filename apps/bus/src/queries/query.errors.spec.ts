import { outwardReason, QueryErrors } from './query.errors';

describe(outwardReason.name, () => {
  it('should name a mapping file by its base name only', () => {
    expect(outwardReason('query billing-period.get failed in /srv/bus/config/mappings/billing/answers/billing-period.get.request.jsonata (system billing): billing has no account'))
      .toBe('query billing-period.get failed in billing-period.get.request.jsonata (system billing): billing has no account');
    expect(outwardReason('see config/mappings/billing/answers/x.jsonata and C:\\bus\\config\\y.yaml')).toBe('see x.jsonata and y.yaml');
  });

  it("should give a mapping's own words without where in the bus it failed", () => {
    expect(outwardReason('Mapping billing-period.get.request.jsonata at line 3, column 7 failed for query billing-period.get of system billing: billing has no account for customer X [D3137]'))
      .toBe('billing has no account for customer X');
  });

  it('should drop stack frames', () => {
    expect(outwardReason('boom\n    at fn (/srv/bus/dist/x.js:1:2)\n    at other (node:internal/x:3:4)')).toBe('boom');
  });

  it('should keep ordinary text with single slashes and answer at once on long words', () => {
    expect(outwardReason('billing answered 503/504 and/or closed')).toBe('billing answered 503/504 and/or closed');
    const long = `${'a'.repeat(5000)}/${'b'.repeat(5000)}`;
    const started = Date.now();
    expect(outwardReason(long)).toBe(long);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('QueryErrors', () => {
  it('should answer an unknown record with 404 QUERY.NOT_FOUND and refused parameters with 400 QUERY.INVALID', () => {
    expect(QueryErrors.notFound('billing', 'billing-period.get', 'no account').getResponse()).toMatchObject({ statusCode: 404, code: 'QUERY.NOT_FOUND' });
    expect(QueryErrors.invalid('billing', 'billing-period.get', 'bad date').getResponse()).toMatchObject({ statusCode: 400, code: 'QUERY.INVALID' });
  });
});
