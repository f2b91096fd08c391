import { IS_ISO8601, MAX_LENGTH, getMetadataStorage } from 'class-validator';
import { isCommonIsoDate } from './iso-date';
import type { ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { nestedClassesOf } from './metadata-cache';

/**
 * A fast "is this valid?" for the canonical classes, compiled once per class from the same
 * class-validator metadata that `check()` validates with, calling the same constraint functions.
 *
 * It answers `true` only when class-validator (with the bus's options: whitelist, forbid unknown
 * fields, no groups) would report no problem for `toInstance(cls, plain)`; for anything else, and for
 * anything it does not model (a decorator kind it does not know, an asynchronous constraint, an object
 * that is not plain), it answers `false` and the caller runs class-validator, which then names the
 * problems. So a valid message (the hot path) costs one walk over its fields, without class
 * instances, error trees or metadata lookups, and an invalid one gets class-validator's own errors.
 * `compiled-check.spec.ts` checks both agree on generated inputs.
 */
export type FastCheck = (plain: Record<string, unknown>) => boolean;

type Storage = {
  getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  getTargetValidatorConstraints(target: Function): { instance: { validate(value: unknown, args?: ValidationArguments): unknown }; async: boolean }[];
};

interface Constraint {
  validate(value: unknown, args?: ValidationArguments): unknown;
  constraints: unknown[];
  each: boolean;
}

interface PropertyPlan {
  name: string;
  /** `@IsOptional()`: null or undefined skips every other check of the property. */
  optional: boolean;
  /** `@IsDefined()` first, then the other constraints, in class-validator's order. */
  constraints: Constraint[];
  /** `@ValidateNested()`: undefined when the property has none; the `@Type` class, or null without one. */
  nested?: Function | null;
}

interface ClassPlan {
  cls: Function;
  /** `cls.name`, read once: a function's name is a getter call. */
  targetName: string;
  properties: PropertyPlan[];
  known: Set<string>;
}

const storage = (): Storage => getMetadataStorage() as unknown as Storage;
const plans = new Map<Function, ClassPlan | null>();
const checks = new Map<Function, FastCheck | null>();

// Kinds of metadata this walk models; any other makes the class fall back to class-validator.
const CONSTRAINT_TYPES = new Set(['customValidation', 'isDefined']);

/**
 * True when `new cls()` holds nothing but declared fields left undefined (TypeScript's class fields) and
 * its prototype chain no accessors or methods: toInstance then only copies fields onto it, and a field
 * the plain object lacks reads as undefined, as it does on the plain object.
 */
function plainShape(cls: Function, known: Set<string>): boolean {
  try {
    const blank = new (cls as new () => object)() as Record<string, unknown>;
    if (Object.keys(blank).some((key) => blank[key] !== undefined || !known.has(key))) return false;
  } catch {
    return false;
  }
  for (let proto = cls.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.getOwnPropertyNames(proto).some((name) => name !== 'constructor')) return false;
  }
  return true;
}

function planOf(cls: Function): ClassPlan | null {
  let plan = plans.get(cls);
  if (plan === undefined) plans.set(cls, (plan = schemaFree() ? compile(cls) : null));
  return plan;
}

/**
 * class-validator looks nested objects up by their class and by the parent's class name as a schema;
 * the walk looks up by class only, which is the same while no metadata is registered under a schema name.
 */
function schemaFree(): boolean {
  const byTarget = (getMetadataStorage() as unknown as { validationMetadatas?: Map<unknown, unknown> }).validationMetadatas;
  return byTarget instanceof Map && [...byTarget.keys()].every((target) => typeof target === 'function');
}

function compile(cls: Function): ClassPlan | null {
  const metadatas = storage().getTargetValidationMetadatas(cls, '', false, false);
  const grouped = storage().groupByPropertyName(metadatas);
  const known = new Set(Object.keys(grouped));
  if (!plainShape(cls, known)) return null;
  const nestedTypes = nestedClassesOf(cls);
  const properties: PropertyPlan[] = [];
  for (const [name, list] of Object.entries(grouped)) {
    const plan: PropertyPlan = { name, optional: false, constraints: [] };
    // class-validator runs @IsDefined before the other constraints.
    const ordered = [...list.filter((m) => m.type === 'isDefined'), ...list.filter((m) => m.type !== 'isDefined')];
    for (const meta of ordered) {
      if (meta.type === 'whitelistValidation') continue;
      if (meta.type === 'conditionalValidation') {
        if (meta.name !== 'isOptional') return null;
        plan.optional = true;
      } else if (meta.type === 'nestedValidation') {
        plan.nested = nestedTypes.get(name) ?? null;
      } else if (CONSTRAINT_TYPES.has(meta.type)) {
        for (const c of storage().getTargetValidatorConstraints(meta.constraintCls)) {
          // validateSync skips asynchronous constraints.
          if (c.async) continue;
          const validate = c.instance.validate.bind(c.instance);
          plan.constraints.push({ validate: withShortcut(meta.name, validate, meta.constraints), constraints: meta.constraints, each: meta.each === true });
        }
      } else {
        return null;
      }
    }
    properties.push(plan);
  }
  return { cls, targetName: cls.name, properties, known };
}

/** A cheaper first answer for the constraints every message meets; each asks class-validator when it cannot say yes. */
function withShortcut(name: string | undefined, validate: Constraint['validate'], constraints: unknown[]): Constraint['validate'] {
  if (name === MAX_LENGTH) return withinLength(validate, constraints);
  // Dates and timestamps of the common shapes (iso-date.ts), without validator's regular expression and Date round trip.
  if (name === IS_ISO8601) return (value, args) => (typeof value === 'string' && isCommonIsoDate(value)) || validate(value, args);
  return validate;
}

/**
 * `@MaxLength` without its cost on the common answer: class-validator counts a surrogate pair or an emoji
 * variation as one character, so its length is never more than `value.length`, and a string no longer
 * than the limit passes without the two regular-expression scans. Anything else asks class-validator.
 */
function withinLength(validate: Constraint['validate'], constraints: unknown[]): Constraint['validate'] {
  const max = constraints[0];
  if (typeof max !== 'number') return validate;
  return (value, args) => (typeof value === 'string' && value.length <= max) || validate(value, args);
}

/** An object as JSON.parse or a mapping makes it, or as JSONata makes it (with no prototype); anything else is left to class-validator. */
const isPlain = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A constraint's answer; a promise (an asynchronous check not declared so) is not a pass here. */
const passed = (answer: unknown): boolean =>
  Boolean(answer) && !(typeof answer === 'object' && typeof (answer as { then?: unknown }).then === 'function');

function passes(c: Constraint, value: unknown, args: ValidationArguments): boolean {
  if (!c.each) return passed(c.validate(value, args));
  if (value instanceof Set || value instanceof Map) return false;
  if (!Array.isArray(value)) return passed(c.validate(value, args));
  for (const item of value) if (!passed(c.validate(item, args))) return false;
  return true;
}

/**
 * `@ValidateNested` over a value as class-validator sees it after toInstance: a plain object becomes an
 * instance of `type` (when there is one); an array's plain-object elements do too, nested arrays are
 * walked, and anything else that is not an object is an error.
 */
function nestedValid(value: unknown, type: Function | null, elementOfArray: boolean, depth: number): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!nestedValid(item, elementOfArray ? null : type, true, depth + 1)) return false;
    return true;
  }
  if (!isPlain(value)) return false;
  // Not converted (no @Type, or inside a nested array): an Object with no metadata, whose every field is
  // refused; one without a prototype is not `instanceof Object`, which class-validator refuses as well.
  if (!type) return Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0;
  const plan = planOf(type);
  return plan !== null && objectValid(plan, value, depth + 1);
}

function objectValid(plan: ClassPlan, plain: Record<string, unknown>, depth: number): boolean {
  if (depth > 32) return false;
  for (const key in plain) if (!plan.known.has(key)) return false; // also '__proto__'
  // One arguments object per object walked, filled in per property: a rate line has several constrained fields.
  const args: ValidationArguments = { targetName: plan.targetName, property: '', object: plain, value: undefined, constraints: [] };
  for (const property of plan.properties) {
    const value = plain[property.name];
    if (property.optional && (value === null || value === undefined)) continue;
    if (property.constraints.length) {
      args.property = property.name;
      args.value = value;
      for (const c of property.constraints) {
        args.constraints = c.constraints;
        if (!passes(c, value, args)) return false;
      }
    }
    if (property.nested !== undefined && !nestedValid(value, property.nested, false, depth)) return false;
  }
  return true;
}

/** A constraint that throws (on input it was not written for) throws from class-validator too: it is its answer to give. */
function walk(plan: ClassPlan, plain: Record<string, unknown>): boolean {
  try {
    return isPlain(plain) && objectValid(plan, plain, 0);
  } catch {
    return false;
  }
}

/** The compiled check of `cls`, or null when its metadata has something the walk does not model. */
export function compiledCheckOf(cls: Function): FastCheck | null {
  let fast = checks.get(cls);
  if (fast !== undefined) return fast;
  const plan = planOf(cls);
  fast = plan ? (plain) => walk(plan, plain) : null;
  checks.set(cls, fast);
  return fast;
}
