// Bundles the console into dist/console (run by `npm run build:console`); `--watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../dist/console');
mkdirSync(out, { recursive: true });
for (const file of ['index.html', 'console.css']) copyFileSync(join(here, 'src', file), join(out, file));

const options = {
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: 'es2020',
  outfile: join(out, 'console.js'),
  logLevel: 'warning',
};
if (process.argv.includes('--watch')) await (await context(options)).watch();
else await build(options);
