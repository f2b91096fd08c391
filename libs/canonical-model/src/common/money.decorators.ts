import { IsISO4217CurrencyCode, IsNumber, IsString, Matches, Min } from 'class-validator';
import { applyDecorators } from './apply-decorators';

/** ISO 4217 currency code, e.g. `EUR`. */
export const IsCurrency = (): PropertyDecorator =>
  // validator.js accepts lower case too; the canonical spelling is upper case only.
  applyDecorators(IsString(), Matches(/^[A-Z]{3}$/, { message: '$property must be three upper-case letters (ISO 4217)' }), IsISO4217CurrencyCode());

/** A finite amount or price that is zero or more (credits are separate documents, not negative lines). */
export const IsNonNegativeAmount = (): PropertyDecorator =>
  applyDecorators(IsNumber({ allowNaN: false, allowInfinity: false }), Min(0));

/** A finite amount that may be negative, where the business signs amounts (credit and return lines, net totals). */
export const IsSignedAmount = (): PropertyDecorator => IsNumber({ allowNaN: false, allowInfinity: false });
