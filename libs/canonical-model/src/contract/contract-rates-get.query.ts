import { IsId } from '../common/field.decorators';

/**
 * Request of the query `contract-rates.get` v1: "what are this customer's current rates?".
 * The answer is a {@link Contract}.
 */
export class ContractRatesGetV1 {
  @IsId() customerId!: string;
}
