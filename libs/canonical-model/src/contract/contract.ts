// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { IsCalendarDate, IsId, IsText } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount } from '../common/money.decorators';

/** One priced product of a contract, e.g. a dial-in minute. */
export class ContractRate {
  /** Product code as sales and billing share it, e.g. `CONF-DIALIN-MIN`. */
  @IsId() productCode!: string;
  /** Price of one `unit` in the contract's currency. */
  @IsNonNegativeAmount() unitPrice!: number;
  /** UN/ECE Recommendation 20 unit code (`MIN`, `HUR`, `MON`, `C62`), as UBL invoices use. */
  @IsText(10) unit!: string;
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
