import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { canonicalJsonSchemas, canonicalJsonSchemaText } from './json-schema';
import { MESSAGE_TYPES, QUERY_TYPES } from './message-types';
import { SAMPLE_PAYLOADS, SAMPLE_QUERIES } from './testing/canonical-samples';

const DOCS = path.resolve(__dirname, '../../../docs/schemas');
const sut = canonicalJsonSchemas();

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const sampleOf = (s: (typeof sut)[number]) =>
  s.kind === 'message' ? SAMPLE_PAYLOADS[s.type] : s.kind === 'query' ? SAMPLE_QUERIES[s.type].request : SAMPLE_QUERIES[s.type].answer;

describe(canonicalJsonSchemas.name, () => {
  it('should generate one schema per message type and a request and answer schema per query type', () => {
    expect(sut.filter((s) => s.kind === 'message').map((s) => s.type)).toEqual(Object.keys(MESSAGE_TYPES));
    expect(sut.filter((s) => s.kind === 'query').map((s) => s.type)).toEqual(Object.keys(QUERY_TYPES));
    expect(sut.filter((s) => s.kind === 'answer').map((s) => s.type)).toEqual(Object.keys(QUERY_TYPES));
    expect(new Set(sut.map((s) => s.fileName)).size).toBe(sut.length);
  });

  it.each(sut.map((s) => [s.fileName, s] as const))('should generate %s as a closed object schema that accepts the sample', (_name, s) => {
    expect(s.schema).toMatchObject({ type: 'object', additionalProperties: false, required: expect.any(Array) });
    const validate = ajv.compile(s.schema);
    expect(validate(JSON.parse(JSON.stringify(sampleOf(s))))).toBe(true);
    expect(validate({ ...sampleOf(s), unexpected: 1 })).toBe(false);
  });

  it('should carry nested classes as definitions the schema refers to', () => {
    const invoice = sut.find((s) => s.type === 'invoice.issued')!.schema as { definitions: Record<string, unknown> };
    expect(Object.keys(invoice.definitions).sort()).toEqual(['InvoiceAllowanceCharge', 'InvoiceAttachment', 'InvoiceLine', 'InvoicePeriod', 'InvoiceTax']);
    const usage = sut.find((s) => s.type === 'usage.priced')!.schema as { required: string[] };
    expect(usage.required).toContain('pricing');
  });

  it.each(sut.map((s) => [s.fileName, s] as const))('should match the committed docs/schemas/%s (regenerate with npm run schema)', (name, s) => {
    expect(readFileSync(path.join(DOCS, name), 'utf8')).toBe(canonicalJsonSchemaText(s));
  });
});
