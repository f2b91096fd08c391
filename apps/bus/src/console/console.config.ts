import { IsBoolean, IsInt, Min, ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Duration, Optional } from '../config/config-decorators';

/** A field path into the canonical envelope, e.g. `payload.bookingRef`. */
const FIELD_PATH = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/;

/**
 * A route's service-level objective: exported as metrics, shown on the console's overview, and (with
 * `degradesReadiness`) turning `/health/ready` to 503 while it is broken.
 *
 * @example
 * slo: { maxAge: 5m, maxDeadLetters: 0 }
 */
export class SloConfig {
  /** The oldest message waiting for a destination of the route may be at most this old. */
  @Optional() @Duration({ description: 'Oldest waiting message at a destination of the route, e.g. 5m' })
  maxAge?: number;

  /** Dead letters of the route's destinations waiting for an operator, at most. */
  @Optional() @IsInt() @Min(0)
  @JSONSchema({ description: 'Open dead letters at the route’s destinations, at most' })
  maxDeadLetters?: number;

  @Optional() @IsBoolean({ message: 'must be true or false' })
  @JSONSchema({ default: false, description: 'A broken objective makes /health/ready answer 503' })
  degradesReadiness: boolean = false;
}

/**
 * `businessKeys:` by message type pattern: which canonical fields identify the business object
 * (a booking ref, a customer id), so operators find everything about it.
 */
export function BusinessKeyMap(): PropertyDecorator {
  return (target, key) => {
    ValidateBy({
      name: 'isBusinessKeyMap',
      validator: {
        validate: (v) =>
          typeof v === 'object' && v !== null && !Array.isArray(v) &&
          Object.values(v).every((paths) => Array.isArray(paths) && paths.length > 0 && paths.every((p) => typeof p === 'string' && FIELD_PATH.test(p))),
        defaultMessage: () => 'must map message types or patterns to lists of field paths, e.g. { conference.booked: [payload.bookingRef] }',
      },
    })(target, key as string);
    JSONSchema(() => ({
      type: 'object',
      description: 'Message type or pattern -> field paths of its business keys, e.g. { conference.booked: [payload.bookingRef] }',
      additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', pattern: FIELD_PATH.source } },
    }))(target, key as string);
  };
}

/** `sensitive:` field names or paths whose values the console and the message API show redacted. */
export function SensitiveFields(): PropertyDecorator {
  return (target, key) => {
    ValidateBy({
      name: 'isSensitiveFields',
      validator: {
        validate: (v) => Array.isArray(v) && v.every((p) => typeof p === 'string' && FIELD_PATH.test(p)),
        defaultMessage: () => 'must be a list of field names or paths, e.g. [iban, payload.card.number]',
      },
    })(target, key as string);
    JSONSchema(() => ({ type: 'array', items: { type: 'string', pattern: FIELD_PATH.source }, description: 'Field names (any depth) or paths shown as [redacted]' }))(target, key as string);
  };
}
