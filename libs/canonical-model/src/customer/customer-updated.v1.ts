import { Customer } from './customer';

/** Payload of `customer.updated` v1: the customer's full current state (not a diff). */
export class CustomerUpdatedV1 extends Customer {}
