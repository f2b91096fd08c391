import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { ADAPTERS, CODEC_OPTIONS, CODECS } from '@bus/adapters';
import { BusConfig, DeliveryConfig, IngressConfig, JournalConfig, QueryConfig, RouteConfig, RouteDestination, SystemConfig } from './bus-config.schema';
import { ConferenceSummaryProcessorConfig, UsagePricingProcessorConfig } from '../processors/processor.config';
import { MailMergeJobConfig } from '../jobs/job.config';
import { readPropertyDocs, type PropertyDoc } from './tsdoc-descriptions';

// class-transformer ships this storage's types apart from its CommonJS build; it knows the @Type targets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

/** Every class of the file, by name; `$ref`s point at these definitions. */
const CLASSES = { BusConfig, SystemConfig, RouteConfig, RouteDestination, QueryConfig, DeliveryConfig, IngressConfig, JournalConfig, UsagePricingProcessorConfig, ConferenceSummaryProcessorConfig };

/** Where the committed schema lives; bus.yaml's first line points editors at it. */
export const BUS_SCHEMA_FILE = 'config/bus.schema.json';

const ROOT = path.resolve(__dirname, '../../../..');
/** Sources whose TSDoc becomes descriptions: the bus's config classes and every adapter's and codec's. */
const DOC_SOURCES = ['apps/bus/src/config/bus-config.schema.ts', 'apps/bus/src/processors/processor.config.ts', 'apps/bus/src/jobs/job.config.ts', 'libs/adapters/src'];

type Schema = Record<string, any>;

/**
 * The JSON Schema of bus.yaml, generated from the same class-validator classes that check it, so
 * the editor's idea of the file and the bus's cannot drift apart: the bus's own sections, and per
 * adapter kind its `inbound:`/`outbound:` classes and per codec its `codecOptions:` class, chosen
 * by `adapter:` and `codec:`. Descriptions, defaults and examples come from the classes' TSDoc.
 * A non-string setting also takes a `${VAR}` or `${file:…}` reference, as the loader does.
 */
export function busConfigJsonSchema(): Record<string, unknown> {
  const options = { classTransformerMetadataStorage: defaultMetadataStorage, refPointerPrefix: '#/definitions/' };
  const all = validationMetadatasToSchemas(options) as Record<string, Schema>;
  const roots = new Set(Object.keys(CLASSES));
  for (const a of ADAPTERS) for (const cls of [a.config.inbound, a.config.outbound]) if (cls) roots.add(cls.name);
  for (const cls of Object.values(CODEC_OPTIONS)) roots.add(cls.name);
  roots.add(MailMergeJobConfig.name);

  const definitions: Record<string, Schema> = {};
  const visit = (name: string) => {
    // A record of settings (`headers`, `paths`) reflects as Object: any object, checked by its own validator.
    if (definitions[name] || name === 'Object') return;
    definitions[name] = { type: 'object', properties: {}, ...all[name], additionalProperties: false };
    for (const ref of JSON.stringify(all[name] ?? {}).matchAll(/"#\/definitions\/([^"]+)"/g)) visit(ref[1]);
  };
  roots.forEach(visit);
  const text = JSON.stringify(definitions).replaceAll('{"$ref":"#/definitions/Object"', '{"type":"object"');
  Object.assign(definitions, JSON.parse(text));
  describeFromDocs(definitions, readPropertyDocs(DOC_SOURCES.map((s) => path.join(ROOT, s))));
  for (const definition of Object.values(definitions)) allowReferences(definition);
  const { BusConfig: root, ...rest } = definitions;
  rest.SystemConfig = selectBySystemKind(rest.SystemConfig);
  // `jobs:` is checked entry by entry (jobs.check.ts), so the class does not reflect it; the entries are mail merges.
  root.properties.jobs = { ...root.properties.jobs, additionalProperties: { $ref: `#/definitions/${MailMergeJobConfig.name}` } };

  return sortKeys({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'bpi-bus configuration (config/bus.yaml)',
    description: 'Generated from the config classes (apps/bus/src/config/bus-config.schema.ts, each adapter\'s *.config.ts, libs/adapters/src/codecs/codec-options.ts); regenerate with: npm run schema',
    ...root,
    additionalProperties: false,
    definitions: rest,
  }) as Record<string, unknown>;
}

/** `adapter:` and `codec:` as lists of the installed ids, and the settings each one takes. */
function selectBySystemKind(system: Schema): Schema {
  const adapters = ADAPTERS.map((a) => a.id);
  const codecs = CODECS.map((c) => c.id);
  const ref = (cls: (new () => object) | undefined) => (cls ? { $ref: `#/definitions/${cls.name}` } : false);
  return {
    ...system,
    properties: {
      ...system.properties,
      adapter: { ...system.properties.adapter, enum: adapters, description: `Adapter kind: ${ADAPTERS.map((a) => `${a.id} (${a.summary})`).join('; ')}` },
      codec: { ...system.properties.codec, enum: codecs },
    },
    allOf: [
      ...ADAPTERS.map((a) => ({
        if: { properties: { adapter: { const: a.id } }, required: ['adapter'] },
        then: { properties: { inbound: ref(a.config.inbound), outbound: ref(a.config.outbound) } },
      })),
      ...Object.entries(CODEC_OPTIONS).map(([id, cls]) => ({
        if: id === 'json' ? { anyOf: [{ properties: { codec: { const: id } }, required: ['codec'] }, { not: { required: ['codec'] } }] } : { properties: { codec: { const: id } }, required: ['codec'] },
        then: { properties: { codecOptions: { $ref: `#/definitions/${cls.name}` } } },
      })),
    ],
  };
}

function describeFromDocs(definitions: Record<string, Schema>, docs: Map<string, Map<string, PropertyDoc>>): void {
  for (const [name, definition] of Object.entries(definitions)) {
    // class-validator-jsonschema requires every property without @IsOptional; one with an initializer has a default.
    if (Array.isArray(definition.required)) {
      definition.required = definition.required.filter((p: string) => !docs.get(name)?.get(p)?.initialized);
      if (!definition.required.length) delete definition.required;
    }
    for (const [prop, schema] of Object.entries((definition.properties ?? {}) as Record<string, Schema>)) {
      const doc = docs.get(name)?.get(prop);
      if (!doc) continue;
      if (doc.description && !schema.description) schema.description = doc.description;
      if (doc.default !== undefined && schema.default === undefined) schema.default = doc.default;
      if (doc.example !== undefined && schema.examples === undefined) schema.examples = [doc.example];
    }
  }
}

const REFERENCE = { type: 'string', pattern: '^\\$\\{[^}]+\\}$', description: 'A ${VAR} or ${file:/run/secrets/name} reference' };

/** A number, boolean or constrained string may be written as a reference the loader fills in. */
function allowReferences(definition: Schema): void {
  for (const [prop, schema] of Object.entries((definition.properties ?? {}) as Record<string, Schema>)) {
    const constrained = ['number', 'integer', 'boolean'].includes(schema.type) || (schema.type === 'string' && (schema.format || schema.pattern || schema.enum));
    if (!constrained) continue;
    const { description, default: def, examples, ...rest } = schema;
    definition.properties[prop] = { ...(description ? { description } : {}), ...(def !== undefined ? { default: def } : {}), ...(examples ? { examples } : {}), anyOf: [rest, REFERENCE] };
  }
}

/** The file's text: stable key order and a final newline, so a regeneration diffs cleanly. */
export const busConfigJsonSchemaText = (): string => `${JSON.stringify(busConfigJsonSchema(), null, 2)}\n`;

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

if (require.main === module) {
  writeFileSync(BUS_SCHEMA_FILE, busConfigJsonSchemaText());
  process.stdout.write(`wrote ${BUS_SCHEMA_FILE}\n`);
}
