// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, ValidateNested } from 'class-validator';
import { IsId, IsText } from '../common/field.decorators';
import { PostalAddress } from '../common/postal-address';

/** Who a letter goes to: the name and address printed in the envelope window. */
export class LetterRecipient {
  @IsText(300) name!: string;
  @IsDefined() @ValidateNested() @Type(() => PostalAddress) address!: PostalAddress;
}

/**
 * A letter a mail-merge job asks to have printed and posted.
 *
 * @example
 * { letterId: 'rate-change-2026:001Dm0000000001wtn', customerId: '001Dm0000000001wtn',
 *   recipient: { name: 'Acme Conferencing GmbH', address: { street: 'Hauptstr. 1', postalCode: '01067', city: 'Dresden', country: 'DE' } },
 *   templateName: 'rate-change.hbs', jobName: 'rate-change-2026' }
 */
export class Letter {
  /** Stable per job and customer, so a resumed job never prints twice. */
  @IsId() letterId!: string;
  @IsId() customerId!: string;
  @IsDefined() @ValidateNested() @Type(() => LetterRecipient) recipient!: LetterRecipient;
  /** Template file under config/templates/, e.g. `rate-change.hbs`. */
  @IsText(200) templateName!: string;
  @IsId() jobName!: string;
}
