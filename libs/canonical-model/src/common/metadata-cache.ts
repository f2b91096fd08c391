import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Storage = {
  getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
};

const cachedTargets = new WeakSet<Function>();
/** Per class, per schema name ('' for none): class-validator passes the parent's class name as the schema for nested objects. */
const byTarget = new Map<Function, Map<string, ValidationMetadata[]>>();
const stableLists = new WeakSet<ValidationMetadata[]>();
const grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
let installed = false;

/**
 * Memoizes class-validator's metadata lookups for the given classes.
 *
 * class-validator recomputes a class's metadata (own and inherited, then grouped by property) on
 * every `validateSync` call, about a fifth of the time of validating a canonical payload on the
 * ingress hot path. Canonical classes never gain decorators after they are defined and we
 * validate without groups, so for them the lists are computed once per schema name (class-validator
 * passes the parent's class name for nested objects). Other classes, and calls with groups, take
 * class-validator's own path unchanged.
 */
export function cacheValidationMetadata(classes: Iterable<Function>): void {
  for (const cls of classes) cachedTargets.add(cls);
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage() as unknown as Storage;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (!cachedTargets.has(target) || always || strictGroups || groups?.length) return lookup(target, schema, always, strictGroups, groups);
    let bySchema = byTarget.get(target);
    if (!bySchema) byTarget.set(target, (bySchema = new Map()));
    let list = bySchema.get(schema ?? '');
    if (!list) {
      bySchema.set(schema ?? '', (list = lookup(target, schema, always, strictGroups, groups)));
      stableLists.add(list);
    }
    return list;
  };
  storage.groupByPropertyName = (metadata) => {
    let result = grouped.get(metadata);
    if (result) return result;
    result = group(metadata);
    // Only our memoized lists are stable objects worth remembering.
    if (stableLists.has(metadata)) grouped.set(metadata, result);
    return result;
  };
}

// class-transformer keeps its @Type metadata here; the package exports no typed entry point for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

const nestedByClass = new Map<Function, ReadonlyMap<string, new () => object>>();

/** Property -> class of the properties of `cls` declared `@ValidateNested() @Type(() => X)`; computed once per class. */
export function nestedClassesOf(cls: Function): ReadonlyMap<string, new () => object> {
  let nested = nestedByClass.get(cls);
  if (nested) return nested;
  const map = new Map<string, new () => object>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false)) {
    if (meta.type !== 'nestedValidation') continue;
    const type = defaultMetadataStorage.findTypeMetadata(meta.target as Function, meta.propertyName)?.typeFunction();
    if (typeof type === 'function') map.set(meta.propertyName, type as new () => object);
  }
  nestedByClass.set(cls, (nested = map));
  return nested;
}

/** The given classes and every class they nest through `@ValidateNested` + `@Type`, transitively. */
export function withNestedClasses(roots: Iterable<Function>): Set<Function> {
  const found = new Set<Function>();
  const visit = (cls: Function) => {
    if (found.has(cls)) return;
    found.add(cls);
    for (const nested of nestedClassesOf(cls).values()) visit(nested);
  };
  for (const cls of roots) visit(cls);
  return found;
}
