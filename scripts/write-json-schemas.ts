/**
 * Writes the JSON Schema of every canonical message and query type to docs/schemas/
 * (`<type>.v<N>.schema.json`, answers as `<type>.answer.v<N>.schema.json`) and removes stale ones,
 * and config/bus.schema.json from the config classes (the bus's, every adapter's and codec's).
 * Run after changing a class in libs/canonical-model or a config class: `npm run schema`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { canonicalJsonSchemas, canonicalJsonSchemaText } from '@bus/canonical-model';
import { busConfigJsonSchemaText } from '../apps/bus/src/config/bus-config.json-schema';

const OUT_DIR = path.resolve(__dirname, '../docs/schemas');

mkdirSync(OUT_DIR, { recursive: true });
const schemas = canonicalJsonSchemas();
const wanted = new Set(schemas.map((s) => s.fileName));
for (const name of readdirSync(OUT_DIR)) {
  if (name.endsWith('.schema.json') && !wanted.has(name)) rmSync(path.join(OUT_DIR, name));
}
for (const s of schemas) writeFileSync(path.join(OUT_DIR, s.fileName), canonicalJsonSchemaText(s));
process.stdout.write(`wrote ${schemas.length} schemas to ${path.relative(process.cwd(), OUT_DIR) || '.'}\n`);
writeFileSync(path.resolve(__dirname, '../config/bus.schema.json'), busConfigJsonSchemaText());
process.stdout.write('wrote config/bus.schema.json\n');
