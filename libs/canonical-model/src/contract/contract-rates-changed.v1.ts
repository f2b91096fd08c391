import { Contract } from './contract';

/** Payload of `contract.rates-changed` v1: the contract with its complete new rate list. */
export class ContractRatesChangedV1 extends Contract {}
