import { applyDecorators } from './apply-decorators';
import { IsISO31661Alpha2, IsISO8601, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** Longest id the bus accepts; native ids (CRM ids, UUIDs, invoice numbers) are far shorter. */
export const MAX_ID_LENGTH = 200;

/** A non-empty identifier string such as a customer id or invoice number. */
export const IsId = (): PropertyDecorator =>
  applyDecorators(IsString(), IsNotEmpty(), MaxLength(MAX_ID_LENGTH));

/** A non-empty text such as a name or description (single field, not a document). */
export const IsText = (max = 1000): PropertyDecorator => applyDecorators(IsString(), IsNotEmpty(), MaxLength(max));

/** A calendar day `YYYY-MM-DD` (ISO-8601 date without time), e.g. an invoice's issue date. */
export const IsCalendarDate = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a calendar date YYYY-MM-DD' }),
    IsISO8601({ strict: true }, { message: '$property must be a valid calendar date' }),
  );

/** An instant as ISO-8601 date-time with an offset or `Z`, e.g. `2026-11-28T09:00:00Z`. */
export const IsTimestamp = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    // A date-time without offset would be read in whatever zone the reader is in.
    Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, {
      message: '$property must be an ISO-8601 date-time with offset, e.g. 2026-11-28T09:00:00Z',
    }),
    IsISO8601({ strict: true }, { message: '$property must be a valid ISO-8601 date-time' }),
  );

/** ISO 3166-1 alpha-2 country code in upper case, e.g. `DE` (validator.js alone would accept `de`). */
export const IsCountryCode = (): PropertyDecorator =>
  applyDecorators(IsString(), Matches(/^[A-Z]{2}$/, { message: '$property must be two upper-case letters (ISO 3166-1 alpha-2)' }), IsISO31661Alpha2());
