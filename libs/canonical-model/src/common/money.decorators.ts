import { IsISO4217CurrencyCode, IsNumber, Min } from 'class-validator';
import { applyDecorators } from './apply-decorators';

/** ISO 4217 currency code, e.g. `EUR`. */
export const IsCurrency = (): PropertyDecorator => IsISO4217CurrencyCode();

/** A finite amount or price that is zero or more (credits are separate documents, not negative lines). */
export const IsNonNegativeAmount = (): PropertyDecorator =>
  applyDecorators(IsNumber({ allowNaN: false, allowInfinity: false }), Min(0));
