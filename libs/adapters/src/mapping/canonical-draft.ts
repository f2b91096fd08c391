import type { CanonicalDraft } from '@bus/canonical-model';
import { MappingError } from '../adapter.errors';

const DRAFT_KEYS = new Set(['type', 'payload', 'occurredAt', 'nativeId', 'correlationId']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const shapeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * Checks what a mapping produced for an inbound message: one draft or an array of drafts.
 * Unknown keys are errors, because a misspelt `occuredAt` would otherwise vanish silently.
 * Numeric native ids are accepted and turned into strings (legacy systems often number records).
 *
 * @param where names the mapping and the system for the error message, e.g. `mappings/sales/inbound.jsonata (system sales)`.
 */
export function toDrafts(value: unknown, where: string): CanonicalDraft[] {
  if (value === undefined) {
    throw new MappingError(`${where} returned nothing; it must return {type, payload} or an array of them (check the paths it reads)`, where);
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => toDraft(item, Array.isArray(value) ? `${where}[${i}]` : where));
}

function toDraft(item: unknown, where: string): CanonicalDraft {
  if (!isRecord(item)) throw new MappingError(`${where} must be an object {type, payload, …}, got ${shapeOf(item)}`, where);
  const unknown = Object.keys(item).filter((k) => !DRAFT_KEYS.has(k));
  if (unknown.length) {
    throw new MappingError(`${where} has unknown key(s) ${unknown.join(', ')}; allowed: ${[...DRAFT_KEYS].join(', ')}`, where);
  }
  const { type, payload, occurredAt, nativeId, correlationId } = item;
  if (typeof type !== 'string' || type === '') throw new MappingError(`${where}.type must be a non-empty string, got ${shapeOf(type)}`, `${where}.type`);
  if (payload === undefined) throw new MappingError(`${where}.payload is missing for type ${type}`, `${where}.payload`);
  const draft: CanonicalDraft = { type, payload };
  if (occurredAt !== undefined) draft.occurredAt = optionalString(occurredAt, `${where}.occurredAt`);
  if (nativeId !== undefined) {
    draft.nativeId = typeof nativeId === 'number' ? String(nativeId) : optionalString(nativeId, `${where}.nativeId`);
  }
  if (correlationId !== undefined) draft.correlationId = optionalString(correlationId, `${where}.correlationId`);
  return draft;
}

function optionalString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new MappingError(`${where} must be a non-empty string, got ${shapeOf(v)}`, where);
  return v;
}

/** Checks what an ask mapping produced: the canonical query `{type, payload}`. */
export function toQuery(value: unknown, where: string): { type: string; payload: unknown } {
  if (!isRecord(value)) throw new MappingError(`${where} must return {type, payload}, got ${shapeOf(value)}`, where);
  const { type, payload } = value;
  if (typeof type !== 'string' || type === '') throw new MappingError(`${where}.type must be a non-empty string, got ${shapeOf(type)}`, `${where}.type`);
  return { type, payload: payload === undefined ? {} : payload };
}

/** Any value but `undefined` (JSONata's "nothing matched") is a native value a codec can encode. */
export function toValue(value: unknown, where: string): unknown {
  if (value === undefined) {
    throw new MappingError(`${where} returned nothing; return a value (null if there is truly nothing to send)`, where);
  }
  return value;
}
