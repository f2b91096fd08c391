import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { busConfigJsonSchema, busConfigJsonSchemaText } from './bus-config.json-schema';

const CONFIG = path.resolve(__dirname, '../../../../config');

describe(busConfigJsonSchema.name, () => {
  it('should match the committed config/bus.schema.json (regenerate it after changing the config classes)', () => {
    const committed = readFileSync(path.join(CONFIG, 'bus.schema.json'), 'utf8');
    // The fix, when this fails: npx ts-node -P tsconfig.json -r tsconfig-paths/register apps/bus/src/config/bus-config.json-schema.ts
    expect(committed).toBe(busConfigJsonSchemaText());
  });

  it('should be what config/bus.yaml points editors at', () => {
    expect(readFileSync(path.join(CONFIG, 'bus.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./bus.schema.json');
  });

  it('should refuse unknown keys like the loader does', () => {
    const schema = JSON.parse(busConfigJsonSchemaText()) as { additionalProperties: boolean; definitions: Record<string, { additionalProperties: boolean }> };
    expect(schema.additionalProperties).toBe(false);
    for (const definition of Object.values(schema.definitions)) expect(definition.additionalProperties).toBe(false);
  });
});
