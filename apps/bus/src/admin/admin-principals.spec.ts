import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNamedTokens, roleAllows } from './admin-principals';

describe(loadNamedTokens.name, () => {
  it('should name ADMIN_TOKEN "admin" with role admin and read ADMIN_TOKENS entries', () => {
    const sut = loadNamedTokens({ ADMIN_TOKEN: 'root-secret', ADMIN_TOKENS: 'olga:operator:op:with:colons,vera:viewer:v1' });
    expect(sut).toEqual([
      { name: 'admin', role: 'admin', token: 'root-secret' },
      { name: 'olga', role: 'operator', token: 'op:with:colons' },
      { name: 'vera', role: 'viewer', token: 'v1' },
    ]);
  });

  it('should read "name role token" lines of ADMIN_TOKENS_FILE, skipping comments and blank lines', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tokens-')), 'tokens');
    writeFileSync(file, '# operators\nolga operator op-1\n\n  ada admin ad-1  # on call\n');
    expect(loadNamedTokens({ ADMIN_TOKENS_FILE: file }).map((t) => `${t.name}/${t.role}/${t.token}`)).toEqual(['olga/operator/op-1', 'ada/admin/ad-1']);
  });

  it('should refuse a file line with an unknown role, naming the line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tokens-')), 'tokens');
    writeFileSync(file, 'olga operator op-1\nbob superuser x\n');
    expect(() => loadNamedTokens({ ADMIN_TOKENS_FILE: file })).toThrow(/line 2: expected "name role token"/);
  });
});

describe(roleAllows.name, () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'operator', false],
    ['operator', 'viewer', true],
    ['operator', 'admin', false],
    ['admin', 'operator', true],
  ] as const)('should let %s do what needs %s: %s', (role, needed, expected) => {
    expect(roleAllows(role, needed)).toBe(expected);
  });
});
