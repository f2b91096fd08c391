import type { NativeMessage } from '../adapter';
import type { Mailbox } from './mail-address';

/** Content type of the native message the smtp adapter sends: one e-mail as JSON. */
export const MAIL_CONTENT_TYPE = 'application/vnd.bus.mail+json';

/**
 * One e-mail in the form the smtp adapter takes (the `outbound/<type>.jsonata` of an smtp system
 * returns this shape; the mail merge builds it from the notice template).
 */
export interface SmtpMail {
  to: Mailbox | string;
  subject: string;
  text: string;
  html?: string;
}

export const encodeMail = (mail: SmtpMail): NativeMessage => ({
  body: Buffer.from(JSON.stringify(mail)),
  contentType: MAIL_CONTENT_TYPE,
});
