import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `import … from '<x>'` / `import('<x>')` / `require('<x>')` specifier of a file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

function violations(dir: string, forbidden: (specifier: string, file: string) => boolean): string[] {
  return sources(join(ROOT, dir)).flatMap((file) =>
    importsOf(file)
      .filter((s) => forbidden(s, file))
      .map((s) => `${relative(ROOT, file)} imports ${s}`),
  );
}

const reachesApps = (specifier: string, file: string) => specifier.startsWith('.') && resolve(file, '..', specifier).startsWith(join(ROOT, 'apps'));

/** Dependencies point inward: apps may use libs, adapters may use the canonical model, never the reverse. */
describe('dependency rules', () => {
  it('should keep libs/ from importing anything under apps/', () => {
    expect(violations('libs', (s, f) => reachesApps(s, f) || s.startsWith('apps/'))).toEqual([]);
  });

  it('should keep the canonical model free of every other module of ours', () => {
    expect(violations('libs/canonical-model/src', (s, f) => (s.startsWith('@bus/') && !s.startsWith('@bus/canonical-model')) || reachesApps(s, f) || (s.startsWith('.') && resolve(f, '..', s).includes('/libs/adapters')))).toEqual([]);
  });
});
