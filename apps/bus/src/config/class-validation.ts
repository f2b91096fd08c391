import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import type { ConfigProblem } from './config.errors';
import { joinPath } from './config-path';

/** Unknown keys are errors, not warnings: a typo must not silently fall back to a default. */
const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true } as const;

/** The keys a config class declares, for "unknown key (allowed: …)" messages. */
export function allowedKeys(cls: Function): string[] {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadatas.map((m) => m.propertyName))].sort();
}

/**
 * Turns a plain value into an instance of `cls` (defaults applied) and validates it, reporting
 * every problem with its path below `prefix`.
 */
export function validateAs<T extends object>(cls: ClassConstructor<T>, plain: unknown, prefix: string): { value: T; problems: ConfigProblem[] } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { value: undefined as unknown as T, problems: [{ path: prefix || '(root)', message: 'must be a mapping (key: value pairs)' }] };
  }
  const value = plainToInstance(cls, plain, { exposeDefaultValues: true });
  const problems = flattenErrors(validateSync(value, OPTIONS), prefix);
  return { value, problems };
}

/** class-validator's tree -> flat `{path, message}` list, messages without the repeated property name. */
export function flattenErrors(errors: readonly ValidationError[], prefix: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const error of errors) {
    const path = joinPath(prefix, segment(error.property));
    for (const [kind, message] of Object.entries(error.constraints ?? {})) {
      out.push({ path, message: kind === 'whitelistValidation' ? unknownKey(error) : withoutProperty(message, error.property) });
    }
    if (error.children?.length) out.push(...flattenErrors(error.children, path));
  }
  return out;
}

function unknownKey(error: ValidationError): string {
  const allowed = error.target ? allowedKeys(error.target.constructor) : [];
  return `unknown key${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
}

const segment = (property: string) => (/^\d+$/.test(property) ? `[${property}]` : property);

function withoutProperty(message: string, property: string): string {
  for (const lead of [`each value in ${property} `, `${property} `, `nested property ${property} `]) {
    if (message.startsWith(lead)) return (lead.startsWith('each') ? 'each value ' : '') + message.slice(lead.length);
  }
  return message;
}
