// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateNested, IsDefined } from 'class-validator';
import { IsId, IsText } from '../common/field.decorators';
import { PostalAddress } from '../common/postal-address';

/** Lifecycle states of a customer account, as every system on the bus must understand them. */
export const CUSTOMER_STATUSES = ['active', 'inactive', 'blocked'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/**
 * A customer (account) as the bus knows it: the sales CRM is its source, billing keeps a copy.
 *
 * @example
 * { customerId: '001Dm0000000001wtn', name: 'Acme Conferencing GmbH', status: 'active',
 *   email: 'billing@acme.example',
 *   address: { street: 'Hauptstr. 1', postalCode: '01067', city: 'Dresden', country: 'DE' } }
 */
export class Customer {
  /** The canonical customer id (the sales CRM's id; other systems' ids live in the cross-reference). */
  @IsId() customerId!: string;
  @IsText(300) name!: string;
  @IsIn(CUSTOMER_STATUSES) status!: CustomerStatus;
  /** Where e-mail notices go; some accounts have none. */
  @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  /** Free-form phone number as the source keeps it, e.g. `+49 351 123456`. */
  @IsOptional() @IsString() @Matches(/^[+0-9 ()\/-]{3,40}$/, { message: '$property must be a phone number (digits, spaces, + ( ) / -)' })
  phone?: string;
  /** Postal address for letters and invoices. */
  @IsDefined() @ValidateNested() @Type(() => PostalAddress) address!: PostalAddress;
  /** EU VAT identification number, e.g. `DE123456789`. */
  @IsOptional() @Matches(/^[A-Z]{2}[0-9A-Z+*.]{2,13}$/, { message: '$property must be a VAT id such as DE123456789' })
  vatId?: string;
}
