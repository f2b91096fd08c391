import { writeFileSync } from 'node:fs';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { BusConfig, DeliveryConfig, IngressConfig, JournalConfig, QueryConfig, RouteConfig, RouteDestination, SystemConfig } from './bus-config.schema';
import { ConferenceSummaryProcessorConfig, UsagePricingProcessorConfig } from '../processors/processor.config';

// class-transformer ships this storage's types apart from its CommonJS build; it knows the @Type targets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

/** Every class of the file, by name; `$ref`s point at these definitions. */
const CLASSES = { BusConfig, SystemConfig, RouteConfig, RouteDestination, QueryConfig, DeliveryConfig, IngressConfig, JournalConfig, UsagePricingProcessorConfig, ConferenceSummaryProcessorConfig };

/** Where the committed schema lives; bus.yaml's first line points editors at it. */
export const BUS_SCHEMA_FILE = 'config/bus.schema.json';

/**
 * The JSON Schema of bus.yaml, generated from the same class-validator classes that check it,
 * so the editor's idea of the file and the bus's cannot drift apart. Adapter-specific
 * `inbound:`/`outbound:` settings are free-form here; the adapter's classes check them at load.
 */
export function busConfigJsonSchema(): Record<string, unknown> {
  const options = { classTransformerMetadataStorage: defaultMetadataStorage, refPointerPrefix: '#/definitions/' };
  const definitions: Record<string, unknown> = {};
  for (const [name, cls] of Object.entries(CLASSES)) {
    if (name === 'BusConfig') continue;
    definitions[name] = { ...targetConstructorToSchema(cls, options), additionalProperties: false };
  }
  return sortKeys({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'bpi-bus configuration (config/bus.yaml)',
    description: 'Generated from apps/bus/src/config/bus-config.schema.ts; regenerate with: npx ts-node -P tsconfig.json -r tsconfig-paths/register apps/bus/src/config/bus-config.json-schema.ts',
    ...targetConstructorToSchema(BusConfig, options),
    additionalProperties: false,
    definitions,
  }) as Record<string, unknown>;
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
