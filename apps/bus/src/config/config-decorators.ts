import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { DURATION_HINT, DURATION_PATTERN, parseDuration, parseSize, SIZE_HINT, SIZE_PATTERN } from './config-units';

/**
 * Optional in the file, but `key:` with no value (YAML null) is still checked: an empty value is
 * more likely a mistake than a wish for the default.
 */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);

/**
 * class-validator-jsonschema's schema type (openapi3-ts), without importing that package directly.
 * Custom validators get a `$ref` to their design type (`Array`, `Object`) by default, so every
 * schema here is given as a function, which replaces the generated one instead of merging into it.
 */
type Schema = Exclude<Parameters<typeof JSONSchema>[0], Function>;

const durationSchema = { oneOf: [{ type: 'string', pattern: DURATION_PATTERN }, { type: 'integer', minimum: 0 }] };
const got = (value: unknown) => (typeof value === 'string' ? ` (got "${value}")` : '');

/** A duration (`10s`) parsed to milliseconds. Unparseable values are kept so the check can name them. */
export function Duration(options: { description: string; default?: string }): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => parseDuration(value) ?? value)(target, key);
    ValidateBy({
      name: 'isDuration',
      validator: { validate: (v) => typeof v === 'number', defaultMessage: (a) => `${DURATION_HINT}${got(a?.value)}` },
    })(target, key as string);
    JSONSchema(() => ({ ...durationSchema, ...options }) as Schema)(target, key as string);
  };
}

/** A list of durations (`[1s, 10s, 1m]`) parsed to milliseconds. */
export function DurationList(options: { description: string; default?: string[] }): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => (Array.isArray(value) ? value.map((v) => parseDuration(v) ?? v) : value))(target, key);
    ValidateBy({
      name: 'isDurationList',
      validator: {
        validate: (v) => Array.isArray(v) && v.every((d) => typeof d === 'number'),
        defaultMessage: (a) => {
          const bad = Array.isArray(a?.value) ? a.value.filter((d: unknown) => typeof d !== 'number') : [];
          return Array.isArray(a?.value) ? `each value ${DURATION_HINT} (got ${bad.map((b: unknown) => JSON.stringify(b)).join(', ')})` : 'must be a list of durations, e.g. [1s, 10s, 1m]';
        },
      },
    })(target, key as string);
    JSONSchema(() => ({ type: 'array', items: durationSchema, ...options }) as Schema)(target, key as string);
  };
}

/** A size (`1mb`) parsed to bytes. */
export function Size(options: { description: string; default?: string }): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => parseSize(value) ?? value)(target, key);
    ValidateBy({
      name: 'isSize',
      validator: { validate: (v) => typeof v === 'number', defaultMessage: (a) => `${SIZE_HINT}${got(a?.value)}` },
    })(target, key as string);
    JSONSchema(() => ({ oneOf: [{ type: 'string', pattern: SIZE_PATTERN }, { type: 'integer', minimum: 0 }], ...options }) as Schema)(target, key as string);
  };
}

/** An object whose values are all strings (e.g. `xref: { customer: customerId }`). */
export function StringRecord(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string' && s.length > 0),
        defaultMessage: () => 'must map names to non-empty strings',
      },
    },
    validationOptions,
  );
}

/** A mapping with free-form content (checked later by its owner). */
export function FreeFormObject(description: string): PropertyDecorator {
  return (target, key) => {
    ValidateBy({
      name: 'isMapping',
      validator: {
        validate: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
        defaultMessage: () => 'must be a mapping (key: value pairs)',
      },
    })(target, key as string);
    JSONSchema(() => ({ type: 'object', description }))(target, key as string);
  };
}
