import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { ADAPTERS, CODECS } from '@bus/adapters';
import { busConfigJsonSchema, busConfigJsonSchemaText } from './bus-config.json-schema';

const CONFIG = path.resolve(__dirname, '../../../../config');

describe(busConfigJsonSchema.name, () => {
  it('should match the committed config/bus.schema.json (regenerate it after changing the config classes)', () => {
    const committed = readFileSync(path.join(CONFIG, 'bus.schema.json'), 'utf8');
    // The fix, when this fails: npm run schema
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

describe('config/bus.schema.json against the example configs', () => {
  const schema = JSON.parse(busConfigJsonSchemaText());
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('url', true);
  const validate = ajv.compile(schema);
  const examples = ['bus.yaml', ...readdirSync(path.join(CONFIG, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

  it.each(examples)('should accept %s as written, ${VAR}s included', (name) => {
    const valid = validate(parse(readFileSync(path.join(CONFIG, name), 'utf8')));

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('should offer the installed adapter kinds and codecs', () => {
    const system = schema.definitions.SystemConfig.properties;

    expect(system.adapter.enum).toEqual(ADAPTERS.map((a) => a.id));
    expect(system.codec.enum).toEqual(CODECS.map((c) => c.id));
  });

  it("should check a system's outbound settings and codec options by its adapter kind and codec", () => {
    const config = (system: object) => ({ systems: { erp: system }, routes: [] });

    expect(validate(config({ adapter: 'http', outbound: { url: 'http://erp.test', timeotMs: 5 } }))).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath: '/systems/erp/outbound', params: { additionalProperty: 'timeotMs' } })]));
    expect(validate(config({ adapter: 'file', codec: 'csv', codecOptions: { eol: '\r\n', header: true, columns: ['id'] }, outbound: { outDir: '/out' } }))).toBe(true);
    expect(validate(config({ adapter: 'file', codec: 'csv', codecOptions: { delimeter: ';' }, outbound: { outDir: '/out' } }))).toBe(false);
  });

  it('should describe the settings from the classes the bus checks them with', () => {
    const csv = schema.definitions.CsvCodecOptionsConfig.properties;

    expect(csv.neutraliseFormulas).toEqual(expect.objectContaining({ default: true, description: expect.stringContaining('spreadsheet') }));
    expect(schema.definitions.HttpOutboundConfig.properties.timeoutMs.description).toMatch(/Per attempt/);
  });
});
