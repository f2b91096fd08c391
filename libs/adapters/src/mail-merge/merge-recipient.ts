/**
 * One customer as the mail merge sees it: the postal address for the letter's window and the
 * e-mail address for the notice. Extra fields (status, contract, …) stay available to templates
 * and to the job's selection.
 */
export interface MergeRecipient {
  customerId: string;
  name: string;
  street: string;
  postalCode: string;
  city: string;
  /** Printed as the last address line when set (foreign mail). */
  country?: string;
  email?: string;
  [field: string]: unknown;
}

/** The sender printed in the return-address line above the recipient and in the letterhead. */
export interface LetterSender {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  country?: string;
}

/** Fields a recipient must have before a letter can be addressed; the rest is optional. */
export const REQUIRED_RECIPIENT_FIELDS = ['customerId', 'name', 'street', 'postalCode', 'city'] as const;

/** Names the required fields that are missing or blank, e.g. `['street']`. */
export const missingRecipientFields = (r: Partial<MergeRecipient>): string[] =>
  REQUIRED_RECIPIENT_FIELDS.filter((f) => typeof r[f] !== 'string' || (r[f] as string).trim() === '');
