import { MappingError } from '../adapter.errors';
import { joinUrl, queryUrl } from './http.urls';

describe(joinUrl.name, () => {
  it.each([
    ['http://h/api', '/customers', 'http://h/api/customers'],
    ['http://h/api/', 'customers', 'http://h/api/customers'],
    ['http://h/api/', '/customers', 'http://h/api/customers'],
    ['http://h:8080', '', 'http://h:8080/'],
    ['http://h/api?v=2', '', 'http://h/api?v=2'],
    ['http://h/api?v=2', '/search?all=1', 'http://h/api/search?v=2&all=1'],
  ])('should join %s and %j into %s', (base, path, expected) => {
    expect(joinUrl(base, path).href).toBe(expected);
  });
});

describe(queryUrl.name, () => {
  it('should encode placeholder values and leave non-scalar fields out of the query string', () => {
    const url = queryUrl('http://h', '/c/{id}/p/{period}', { id: 'a/b', period: 202610, draft: false, meta: { x: 1 }, none: null }, 'test');
    expect(url.href).toBe('http://h/c/a%2Fb/p/202610?draft=false');
  });

  it('should name the missing field in a MappingError', () => {
    expect(() => queryUrl('http://h', '/c/{id}', {}, 'system billing, query c.get')).toThrow(MappingError);
    expect(() => queryUrl('http://h', '/c/{id}', {}, 'system billing, query c.get')).toThrow(/system billing, query c.get: .* needs field id/);
  });
});
