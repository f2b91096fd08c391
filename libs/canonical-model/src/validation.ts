import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { compiledCheckOf } from './common/compiled-check';
import { nestedClassesOf } from './common/metadata-cache';
import { ErrorCodes } from './error-codes';

/**
 * One field-level problem.
 *
 * @example
 * { path: 'payload.address.postalCode', message: 'must be a string' }
 * { path: 'lines[2].amount', message: 'must not be less than 0' }
 */
export interface FieldError {
  /** Dotted path from the validated object's root; array elements as `[i]`; `''` for the root itself. */
  path: string;
  message: string;
}

/** Thrown by the `to…` helpers when a value is not a valid canonical object. */
export class CanonicalValidationError extends Error {
  readonly code = ErrorCodes.CANONICAL_INVALID;
  readonly retryable = false;
  constructor(
    /** What was validated, e.g. `customer.updated payload`. */
    readonly subject: string,
    readonly errors: FieldError[],
  ) {
    super(`${subject} is invalid: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`);
    this.name = new.target.name;
  }
}

/** Thrown when a message or query type is not registered in message-types.ts. */
export class UnknownCanonicalTypeError extends Error {
  readonly code = ErrorCodes.CANONICAL_UNKNOWN_TYPE;
  readonly retryable = false;
  constructor(
    readonly type: unknown,
    readonly known: readonly string[],
    kind = 'message type',
  ) {
    super(`unknown ${kind} "${String(type)}" (known: ${known.join(', ')})`);
    this.name = new.target.name;
  }
}

// One options object for every call: unknown fields are errors that name the field, and
// `forbidUnknownValues: false` lets a class with no decorators of its own still validate.
const VALIDATOR_OPTIONS: ValidatorOptions = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  validationError: { target: false, value: true },
});

/** Joins a child property to a parent path: `lines` + `2` -> `lines[2]`, `a` + `b` -> `a.b`. */
const join = (parent: string, property: string, parentIsArray: boolean): string =>
  parentIsArray && /^\d+$/.test(property) ? `${parent}[${property}]` : parent ? `${parent}.${property}` : property;

/** class-validator's messages start with the property name; the path already says it. */
const stripProperty = (message: string, property: string): string =>
  message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;

// A wrong type makes the other constraints' messages noise ("must be shorter than 20 characters" for a number).
const TYPE_CONSTRAINTS = new Set(['isString', 'isNumber', 'isInt', 'isBoolean', 'isArray', 'isIn', 'nestedValidation']);

/** The messages worth showing for one field: one `is required`, else type errors first, else all. */
function messagesOf(error: ValidationError): string[] {
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length === 0) return [];
  if (constraints.some(([name]) => name === 'whitelistValidation')) return ['is not a known field'];
  if (error.value === undefined || error.value === null) return ['is required'];
  const typeErrors = constraints.filter(([name]) => TYPE_CONSTRAINTS.has(name));
  return (typeErrors.length ? typeErrors : constraints).map(([name, message]) =>
    name === 'nestedValidation' ? 'must be an object' : stripProperty(message, error.property),
  );
}

/** Flattens class-validator's error tree into `{path, message}` items, one per reported problem. */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = '', parentIsArray = false): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = join(prefix, error.property, parentIsArray);
    for (const message of messagesOf(error)) out.push({ path, message });
    if (error.children?.length) {
      // Children of an array property are its elements, named by index.
      const childIsArrayElement = error.children.every((c) => /^\d+$/.test(c.property));
      out.push(...flattenValidationErrors(error.children, path, childIsArrayElement));
    }
  }
  return out;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value to validate: the class instance on success, or the problems found. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * Turns a plain object into an instance of `cls` and validates it. Paths are relative to `plain`.
 * Never throws for bad input.
 */
export function check<T extends object>(cls: new () => T, plain: unknown): Checked<T> {
  if (isPlainObject(plain) && compiledCheckOf(cls)?.(plain)) return { ok: true, value: toInstance(cls, plain) };
  return checkWithClassValidator(cls, plain);
}

/**
 * The problems of `plain` as an instance of `cls`, as `check` reports them; empty when valid. A valid
 * value (the hot path) costs only the compiled check (common/compiled-check.ts), without class instances.
 */
export function problemsOf(cls: new () => object, plain: unknown): FieldError[] {
  if (isPlainObject(plain) && compiledCheckOf(cls)?.(plain)) return [];
  const result = checkWithClassValidator(cls, plain);
  return result.ok ? [] : result.errors;
}

/** class-validator itself: the reference the compiled check agrees with, and the one that names problems. */
export function checkWithClassValidator<T extends object>(cls: new () => T, plain: unknown): Checked<T> {
  if (!isPlainObject(plain)) {
    return { ok: false, errors: [{ path: '', message: `must be an object, got ${plain === null ? 'null' : Array.isArray(plain) ? 'an array' : typeof plain}` }] };
  }
  const refused: FieldError[] = [];
  const instance = toInstance(cls, plain, refused);
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length === 0 && refused.length === 0) return { ok: true, value: instance };
  return { ok: false, errors: [...refused, ...flattenValidationErrors(errors)] };
}

/**
 * A plain object (parsed JSON) as an instance of `cls`, nested objects as instances of their
 * `@Type` classes, other values as they are (the validator then reports them). What
 * class-transformer's `plainToInstance` does for these classes, at a fraction of its cost on the
 * hot path. A `__proto__` key is left out and reported in `refused` (class-validator's whitelist
 * would let it pass, and assigning it would change the instance's prototype).
 */
export function toInstance<T extends object>(cls: new () => T, plain: Record<string, unknown>, refused: FieldError[] = [], path = ''): T {
  const instance = new cls() as Record<string, unknown>;
  const nested = nestedClassesOf(cls);
  for (const key of Object.keys(plain)) {
    if (key === '__proto__') {
      refused.push({ path: join(path, key, false), message: 'is not a known field' });
      continue;
    }
    let value = plain[key];
    const type = nested.size ? nested.get(key) : undefined;
    if (type) {
      const at = join(path, key, false);
      if (isPlainObject(value)) value = toInstance(type, value, refused, at);
      else if (Array.isArray(value)) value = value.map((v, i) => (isPlainObject(v) ? toInstance(type, v, refused, `${at}[${i}]`) : v));
    }
    instance[key] = value;
  }
  return instance as T;
}

/** Prefixes every path, e.g. with `payload`. */
export const withPrefix = (prefix: string, errors: readonly FieldError[]): FieldError[] =>
  errors.map((e) => ({ path: e.path ? `${prefix}.${e.path}` : prefix, message: e.message }));
