import { Customer } from './customer';

/** Payload of `customer.created` v1: a customer the source system has just created. */
export class CustomerCreatedV1 extends Customer {}
