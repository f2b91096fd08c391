import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { AdapterDefinition } from './adapter';
import { flattenValidationErrors, type ConfigProblem } from './config-validators';

export type { ConfigProblem } from './config-validators';

/** The checked config (with defaults applied) and every problem found, each with a dotted path. */
export interface AdapterConfigValidation<C extends object = object> {
  value: C | undefined;
  errors: ConfigProblem[];
}

/**
 * Checks one system's `inbound:` or `outbound:` settings against its adapter's config class.
 * Unknown keys are errors (a misspelt `timeotMs` must not silently fall back to the default).
 * Paths are relative to the settings object, e.g. `url` or `queries.billing-period.get.path`;
 * the caller prefixes `systems.<name>.outbound`.
 *
 * @example
 * const { value, errors } = validateAdapterConfig(httpAdapter, 'outbound', { url: 'http://billing:8080' });
 */
export function validateAdapterConfig<I extends object, O extends object>(
  definition: AdapterDefinition<I, O>,
  direction: 'inbound' | 'outbound',
  plain: unknown,
): AdapterConfigValidation<I | O> {
  const configClass = definition.config[direction] as (new () => I | O) | undefined;
  if (!configClass) {
    return { value: undefined, errors: [{ path: '', message: `adapter ${definition.id} has no ${direction} side; remove ${direction}:` }] };
  }
  const source = plain ?? {};
  if (typeof source !== 'object' || Array.isArray(source)) {
    return { value: undefined, errors: [{ path: '', message: `must be an object of ${definition.id} ${direction} settings` }] };
  }
  const value = plainToInstance(configClass, source);
  const errors = flattenValidationErrors(
    validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }),
  );
  return { value: errors.length ? undefined : value, errors };
}
