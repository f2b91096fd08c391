// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, IsOptional, Min, ValidateNested, IsDefined } from 'class-validator';
import { IsCalendarDate, IsId, IsText } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount } from '../common/money.decorators';

/** One line of an invoice; `amount` = quantity × unitPrice as billing computed it (rounded by billing). */
export class InvoiceLine {
  /** 1-based line number as printed. */
  @IsOptional() @IsInt() @Min(1) lineNo?: number;
  @IsOptional() @IsId() productCode?: string;
  @IsOptional() @IsText(500) description?: string;
  @IsNonNegativeAmount() quantity!: number;
  /** UN/ECE Recommendation 20 unit code, e.g. `MIN`. */
  @IsOptional() @IsText(10) unit?: string;
  @IsNonNegativeAmount() unitPrice!: number;
  @IsNonNegativeAmount() amount!: number;
}

/** The days an invoice covers. */
export class InvoicePeriod {
  @IsCalendarDate() from!: string;
  @IsCalendarDate() to!: string;
}

/**
 * An invoice as issued by billing (billing's UBL 2.1 Invoice, reduced to what other systems use).
 *
 * @example
 * { invoiceId: 'INV-2026-00001', customerId: 'B-10001', issueDate: '2026-12-31', currency: 'EUR',
 *   lines: [{ lineNo: 1, productCode: 'CONF-BASE', quantity: 1, unit: 'MON', unitPrice: 19.9, amount: 19.9 }],
 *   totalAmount: 19.9 }
 */
export class Invoice {
  @IsId() invoiceId!: string;
  @IsId() customerId!: string;
  /** The billing period the invoice closes, when billing names one. */
  @IsOptional() @IsId() periodId?: string;
  @IsCalendarDate() issueDate!: string;
  @IsOptional() @IsCalendarDate() dueDate?: string;
  @IsCurrency() currency!: string;
  @IsOptional() @ValidateNested() @Type(() => InvoicePeriod) period?: InvoicePeriod;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => InvoiceLine) lines!: InvoiceLine[];
  /** Amount payable, in `currency`. */
  @IsDefined() @IsNonNegativeAmount() totalAmount!: number;
}
