// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Min, ValidateNested, IsDefined, IsNumber, IsPositive } from 'class-validator';
import { IsCalendarDate, IsId, IsText } from '../common/field.decorators';
import { IsCurrency, IsNonNegativeAmount, IsSignedAmount } from '../common/money.decorators';
import { TotalsAgree } from './invoice-totals.validator';

/** What kind of document billing issued: UBL `Invoice` or `CreditNote`. */
export const INVOICE_DOCUMENT_TYPES = ['invoice', 'credit-note'] as const;
export type InvoiceDocumentType = (typeof INVOICE_DOCUMENT_TYPES)[number];

/** A discount (`allowance`) or surcharge (`charge`) on the whole document or on one line (UBL `AllowanceCharge`). */
export class InvoiceAllowanceCharge {
  @IsIn(['allowance', 'charge']) kind!: 'allowance' | 'charge';
  /** Always zero or more; `kind` says which way it counts. */
  @IsNonNegativeAmount() amount!: number;
  @IsOptional() @IsText(500) reason?: string;
  /** UNCL 5189 / 7161 reason code, e.g. `95` (discount). */
  @IsOptional() @IsText(10) reasonCode?: string;
  /** Tax category the allowance or charge falls into (document level only), e.g. `S`. */
  @IsOptional() @IsText(10) taxCategory?: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) taxPercent?: number;
}

/** One line of an invoice; `amount` = quantity × unitPrice / baseQuantity ± the line's allowances and charges. */
export class InvoiceLine {
  /** 1-based line number as printed. */
  @IsOptional() @IsInt() @Min(1) lineNo?: number;
  @IsOptional() @IsId() productCode?: string;
  @IsOptional() @IsText(500) description?: string;
  /** Negative on a return or credit line of an invoice. */
  @IsSignedAmount() quantity!: number;
  /** UN/ECE Recommendation 20 unit code, e.g. `MIN`. */
  @IsOptional() @IsText(10) unit?: string;
  /** Net price of `baseQuantity` units; a price is never negative (the quantity carries the sign). */
  @IsNonNegativeAmount() unitPrice!: number;
  /** The number of units `unitPrice` is for (UBL `BaseQuantity`), when not 1. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() baseQuantity?: number;
  /** Net line amount; negative on a return or credit line. */
  @IsSignedAmount() amount!: number;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => InvoiceAllowanceCharge) allowanceCharges?: InvoiceAllowanceCharge[];
  /** Tax category of the line, e.g. `S` (standard), `Z`, `E`, `AE`. */
  @IsOptional() @IsText(10) taxCategory?: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) taxPercent?: number;
}

/** The days an invoice covers. */
export class InvoicePeriod {
  @IsCalendarDate() from!: string;
  @IsCalendarDate() to!: string;
}

/** Tax of one category and rate (UBL `TaxSubtotal`), in the invoice currency. */
export class InvoiceTax {
  /** UNCL 5305 category, e.g. `S`. */
  @IsText(10) category!: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) percent?: number;
  @IsSignedAmount() taxableAmount!: number;
  @IsSignedAmount() taxAmount!: number;
  /** Why the category is exempt, when it is. */
  @IsOptional() @IsText(500) exemptionReason?: string;
}

/**
 * A document attached to the invoice (UBL `AdditionalDocumentReference`). The canonical message keeps
 * the reference only: an embedded file stays in billing's document, which the bus does not forward.
 */
export class InvoiceAttachment {
  @IsId() documentId!: string;
  @IsOptional() @IsText(500) description?: string;
  @IsOptional() @IsText(500) fileName?: string;
  @IsOptional() @IsText(200) mimeType?: string;
  /** Size of the embedded file, decoded, when the document embeds it. */
  @IsOptional() @IsInt() @Min(0) sizeBytes?: number;
  /** Where the file can be fetched, when the document links it rather than embedding it. */
  @IsOptional() @IsText(2000) uri?: string;
}

/**
 * An invoice or credit note as issued by billing (billing's UBL 2.1 document, reduced to what other
 * systems use). Amounts are signed where the business signs them (return lines, net totals); every sum
 * must agree with its parts within one cent.
 *
 * @example
 * { invoiceId: 'INV-2026-00001', customerId: 'B-10001', issueDate: '2026-12-31', currency: 'EUR',
 *   lines: [{ lineNo: 1, productCode: 'CONF-BASE', quantity: 1, unit: 'MON', unitPrice: 19.9, amount: 19.9 }],
 *   totalAmount: 19.9 }
 */
export class Invoice {
  @IsId() invoiceId!: string;
  /** `invoice` unless billing issued a credit note. */
  @IsOptional() @IsIn(INVOICE_DOCUMENT_TYPES) documentType?: InvoiceDocumentType;
  /** UNCL 1001 type code as printed, e.g. `380` (invoice), `381` (credit note). */
  @IsOptional() @IsText(10) typeCode?: string;
  @IsId() customerId!: string;
  /** The billing period the invoice closes, when billing names one. */
  @IsOptional() @IsId() periodId?: string;
  /** The invoice a credit note corrects (UBL `BillingReference`). */
  @IsOptional() @IsId() creditedInvoiceId?: string;
  @IsCalendarDate() issueDate!: string;
  /** `DueDate`, or the `PaymentMeans/PaymentDueDate` when the document only has that. */
  @IsOptional() @IsCalendarDate() dueDate?: string;
  @IsCurrency() currency!: string;
  /** The currency tax is accounted in, when billing states it apart (UBL `TaxCurrencyCode`). */
  @IsOptional() @IsCurrency() taxCurrency?: string;
  /** Total tax in `taxCurrency`. */
  @IsOptional() @IsSignedAmount() taxAmountInTaxCurrency?: number;
  @IsOptional() @ValidateNested() @Type(() => InvoicePeriod) period?: InvoicePeriod;
  /** Payment reference the customer quotes (UBL `PaymentMeans/PaymentID`). */
  @IsOptional() @IsText(200) paymentReference?: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => InvoiceLine) lines!: InvoiceLine[];
  /** Document-level allowances and charges. */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => InvoiceAllowanceCharge) allowanceCharges?: InvoiceAllowanceCharge[];
  /** Tax per category and rate. */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => InvoiceTax) taxes?: InvoiceTax[];
  /** Sum of the line amounts. */
  @IsOptional() @IsSignedAmount() lineTotal?: number;
  @IsOptional() @IsNonNegativeAmount() allowanceTotal?: number;
  @IsOptional() @IsNonNegativeAmount() chargeTotal?: number;
  @IsOptional() @IsSignedAmount() taxExclusiveAmount?: number;
  /** Total tax in `currency`. */
  @IsOptional() @IsSignedAmount() taxAmount?: number;
  @IsOptional() @IsSignedAmount() taxInclusiveAmount?: number;
  @IsOptional() @IsSignedAmount() prepaidAmount?: number;
  @IsOptional() @IsSignedAmount() roundingAmount?: number;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => InvoiceAttachment) attachments?: InvoiceAttachment[];
  /** Amount payable, in `currency`. */
  @IsDefined() @IsSignedAmount() @TotalsAgree() totalAmount!: number;
}
