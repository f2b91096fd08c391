import { plainToInstance, Transform } from 'class-transformer';
import { getMetadataStorage, ValidateBy, validateSync, type ValidationError, type ValidationOptions } from 'class-validator';

/** One config problem: a dotted path (`queries.billing-period.get.path`) and what is wrong there. */
export interface ConfigProblem {
  path: string;
  message: string;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * An object whose values are all strings, such as extra HTTP headers.
 * @example `@IsOptional() @IsStringRecord() headers?: Record<string, string>;`
 */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value) => isPlainRecord(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args) => {
          if (!isPlainRecord(args?.value)) return `${args?.property} must be an object of name: "text" pairs`;
          const bad = Object.entries(args.value).filter(([, v]) => typeof v !== 'string').map(([k]) => k);
          return `${args.property} value of ${bad[0]} must be a string (quote it in YAML)`;
        },
      },
    },
    options,
  );
}

/** config class -> property -> class of the record's values; lets error flattening name each entry's path. */
const recordClasses = new WeakMap<object, Map<string, new () => object>>();

/** Problems of each entry of a record of config classes, with paths like `queries.billing-period.get.method`. */
export function recordProblems(cls: new () => object, path: string, value: unknown): ConfigProblem[] {
  if (!isPlainRecord(value)) return [{ path, message: 'must be an object keyed by name' }];
  return Object.entries(value).flatMap(([key, entry]) => {
    if (!(entry instanceof cls) && !isPlainRecord(entry)) return [{ path: `${path}.${key}`, message: 'must be an object' }];
    const instance = entry instanceof cls ? entry : plainToInstance(cls, entry);
    return flattenValidationErrors(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }), `${path}.${key}`);
  });
}

/**
 * An object whose values are each an instance of a config class, e.g. per-query settings.
 * Turns the plain values into instances (so their defaults apply) and validates every entry.
 * @example `@IsOptional() @IsRecordOf(HttpQueryConfig) queries?: Record<string, HttpQueryConfig>;`
 */
export function IsRecordOf(cls: new () => object, options?: ValidationOptions): PropertyDecorator {
  const transform = Transform(({ value }) =>
    isPlainRecord(value)
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isPlainRecord(v) ? plainToInstance(cls, v) : v]))
      : value,
  );
  const validate = ValidateBy(
    {
      name: 'isRecordOf',
      validator: {
        validate: (value, args) => recordProblems(cls, args?.property ?? '', value).length === 0,
        defaultMessage: (args) =>
          recordProblems(cls, args?.property ?? '', args?.value)
            .map((p) => `${p.path} ${p.message}`)
            .join('; '),
      },
    },
    options,
  );
  return (target, key) => {
    const byProperty = recordClasses.get(target.constructor) ?? new Map();
    byProperty.set(String(key), cls);
    recordClasses.set(target.constructor, byProperty);
    transform(target, key);
    validate(target, key);
  };
}

/**
 * class-validator nests errors per property; operators want one line per problem with its full path.
 * The property name is stripped from the start of each message, since the path already names it.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const plain: string[] = [];
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      const recordClass = constraint === 'isRecordOf' ? recordClasses.get(error.target?.constructor ?? {})?.get(error.property) : undefined;
      if (recordClass) out.push(...recordProblems(recordClass, path, error.value));
      else if (constraint === 'whitelistValidation') out.push({ path, message: unknownKeyMessage(error) });
      else plain.push(message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message);
    }
    // One line per setting. Decorators run bottom-up, so reversing restores source order: the type
    // check written first is read first ("must be an integer number; must not be less than 1").
    if (plain.length) out.push({ path, message: plain.reverse().join('; ') });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

/** Names the settings a config class does know, so a typo is easy to spot. */
function unknownKeyMessage(error: ValidationError): string {
  const cls = error.target?.constructor;
  const known = cls
    ? [...new Set(getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).map((m) => m.propertyName))]
    : [];
  return `is not a known setting${known.length ? ` (known: ${known.join(', ')})` : ''}`;
}
