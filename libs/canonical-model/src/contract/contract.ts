// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, IsOptional, Min, ValidateNested } from 'class-validator';
import { IsCalendarDate, IsId, IsText } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount } from '../common/money.decorators';

/**
 * How a time-priced rate turns a call's billable seconds into a charge, as the contract says.
 * Without it, every started rate unit counts (per started minute for a `MIN` rate).
 *
 * @example per second, first 5 minutes of each call free, at least 0.10 per charged call:
 * { incrementSeconds: 1, freeMinutes: 5, minimumCharge: 0.1 }
 */
export class RateRounding {
  /** Seconds per charged step: 60 charges every started minute, 1 charges per second. @default one rate unit */
  @IsOptional() @IsInt() @Min(1) incrementSeconds?: number;
  /** Minutes of each call that are not charged. @default 0 */
  @IsOptional() @IsInt() @Min(0) freeMinutes?: number;
  /** Least amount charged for a call that is charged at all, in the contract's currency. @default 0 */
  @IsOptional() @IsNonNegativeAmount() minimumCharge?: number;
}

/** One priced product of a contract, e.g. a dial-in minute. */
export class ContractRate {
  /** Product code as sales and billing share it, e.g. `CONF-DIALIN-MIN`. */
  @IsId() productCode!: string;
  /** Price of one `unit` in the contract's currency. */
  @IsNonNegativeAmount() unitPrice!: number;
  /** UN/ECE Recommendation 20 unit code (`MIN`, `HUR`, `MON`, `C62`), as UBL invoices use. */
  @IsText(10) unit!: string;
  /** The contract's rounding rule for time units; see {@link RateRounding}. */
  @IsOptional() @ValidateNested() @Type(() => RateRounding) rounding?: RateRounding;
}

/**
 * A customer's contract with the rates that apply from `validFrom`.
 *
 * @example
 * { contractId: '800Dm0000000003ABC', customerId: '001Dm0000000001wtn', currency: 'EUR',
 *   validFrom: '2026-12-01', rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.05, unit: 'MIN' }] }
 */
export class Contract {
  @IsId() contractId!: string;
  @IsId() customerId!: string;
  @IsCurrency() currency!: string;
  /** First day the rates apply. */
  @IsCalendarDate() validFrom!: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => ContractRate) rates!: ContractRate[];
}
