import { getMetadataStorage, IS_ISO8601, MATCHES } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { MESSAGE_TYPES, QUERY_TYPES, type PayloadClass } from './message-types';

/** A JSON Schema object (draft-07 style, as class-validator-jsonschema emits it). */
export type JsonSchema = Record<string, unknown>;

/** One generated schema with where it belongs. */
export interface CanonicalJsonSchema {
  /** Message or query type id, e.g. `customer.updated`. */
  type: string;
  /** `message` payload, `query` request payload, or `answer` payload of a query. */
  kind: 'message' | 'query' | 'answer';
  schemaVersion: number;
  /** File name under docs/schemas/, e.g. `customer.updated.v1.schema.json`. */
  fileName: string;
  schema: JsonSchema;
}

const DEFINITIONS = '#/definitions/';

// class-transformer keeps its @Type metadata here; the package exports no typed entry point for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

// Our date patterns say more than class-validator-jsonschema's generic ISO-8601 `oneOf`.
const CONVERTERS: ISchemaConverters = {
  [IS_ISO8601]: {},
  [MATCHES]: (meta: ValidationMetadata) => {
    const pattern = (meta.constraints[0] as RegExp).source;
    const format = pattern.startsWith('^\\d{4}-\\d{2}-\\d{2}$') ? 'date' : pattern.startsWith('^\\d{4}-\\d{2}-\\d{2}T') ? 'date-time' : undefined;
    return { type: 'string', pattern, ...(format ? { format } : {}) };
  },
  isISO31661Alpha2: { description: 'ISO 3166-1 alpha-2 country code' },
  isISO4217CurrencyCode: { description: 'ISO 4217 currency code' },
};

/** Schemas of every decorated class, keyed by class name; objects reject unknown properties like the validator. */
function classSchemas(): Record<string, JsonSchema> {
  const schemas = validationMetadatasToSchemas({
    refPointerPrefix: DEFINITIONS,
    classTransformerMetadataStorage: defaultMetadataStorage,
    classValidatorMetadataStorage: getMetadataStorage(),
    additionalConverters: CONVERTERS,
  }) as Record<string, JsonSchema>;
  for (const schema of Object.values(schemas)) schema.additionalProperties = false;
  return schemas;
}

/** The schema of a class; a versioned class with no decorators of its own uses its parent's. */
function schemaOf(schemas: Record<string, JsonSchema>, cls: Function): JsonSchema {
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) {
    if (schemas[c.name]) return schemas[c.name];
  }
  throw new Error(`${cls.name} has no class-validator decorators; it cannot be a canonical payload class`);
}

/** Collects the definitions a schema refers to, transitively. */
function referenced(schemas: Record<string, JsonSchema>, root: JsonSchema): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(DEFINITIONS)) {
        const name = value.slice(DEFINITIONS.length);
        if (!out[name] && schemas[name]) {
          out[name] = schemas[name];
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(root);
  return out;
}

function standalone(schemas: Record<string, JsonSchema>, cls: PayloadClass, id: string, title: string, description: string): JsonSchema {
  const root = schemaOf(schemas, cls);
  const definitions = referenced(schemas, root);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://bpi-bus.example/schemas/${id}.schema.json`,
    title,
    description,
    ...root,
    ...(Object.keys(definitions).length ? { definitions } : {}),
  };
}

/**
 * A JSON Schema for every registered message type (its payload) and query type (request and
 * answer), generated from the same class-validator classes the bus validates with.
 *
 * @example
 * for (const s of canonicalJsonSchemas()) writeFileSync(`docs/schemas/${s.fileName}`, JSON.stringify(s.schema, null, 2));
 */
export function canonicalJsonSchemas(): CanonicalJsonSchema[] {
  const schemas = classSchemas();
  const out: CanonicalJsonSchema[] = [];
  for (const [type, info] of Object.entries(MESSAGE_TYPES)) {
    const stem = `${type}.v${info.schemaVersion}`;
    out.push({
      type, kind: 'message', schemaVersion: info.schemaVersion, fileName: `${stem}.schema.json`,
      schema: standalone(schemas, info.payloadClass, stem, `${type} v${info.schemaVersion} payload`, info.summary),
    });
  }
  for (const [type, info] of Object.entries(QUERY_TYPES)) {
    const stem = `${type}.v${info.schemaVersion}`;
    out.push({
      type, kind: 'query', schemaVersion: info.schemaVersion, fileName: `${stem}.schema.json`,
      schema: standalone(schemas, info.requestClass, stem, `${type} v${info.schemaVersion} query`, info.summary),
    });
    out.push({
      type, kind: 'answer', schemaVersion: info.schemaVersion, fileName: `${type}.answer.v${info.schemaVersion}.schema.json`,
      schema: standalone(schemas, info.answerClass, `${type}.answer.v${info.schemaVersion}`, `${type} v${info.schemaVersion} answer`, info.summary),
    });
  }
  return out;
}

/** The file text of one schema: two-space JSON with a final newline, so regenerating diffs cleanly. */
export const canonicalJsonSchemaText = (s: CanonicalJsonSchema): string => `${JSON.stringify(s.schema, null, 2)}\n`;
