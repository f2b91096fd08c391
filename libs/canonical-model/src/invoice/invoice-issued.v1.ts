import { Invoice } from './invoice';

/** Payload of `invoice.issued` v1: billing has issued an invoice. */
export class InvoiceIssuedV1 extends Invoice {}
