import { IsEmail, MaxLength } from 'class-validator';
import { IsId, IsText } from '../common/field.decorators';

/**
 * An e-mail notice to a customer, e.g. "a letter is on its way".
 *
 * @example
 * { noticeId: 'rate-change-2026:001Dm0000000001wtn', customerId: '001Dm0000000001wtn',
 *   email: 'billing@acme.example', subject: 'A letter is on its way', templateName: 'notice.hbs', jobName: 'rate-change-2026' }
 */
export class Notice {
  /** Stable per job and customer, so a resumed job never e-mails twice. */
  @IsId() noticeId!: string;
  @IsId() customerId!: string;
  @IsEmail() @MaxLength(254) email!: string;
  @IsText(300) subject!: string;
  @IsText(200) templateName!: string;
  @IsId() jobName!: string;
}
