import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Duration, Optional } from '../config/config-decorators';

/** Processor kinds the bus has; `kind:` in bus.yaml names one. */
export const PROCESSOR_KINDS = ['usage-pricing', 'conference-summary'] as const;
export type ProcessorKind = (typeof PROCESSOR_KINDS)[number];

const ROUNDINGS = ['per-started-unit', 'exact'] as const;

/** `kind: usage-pricing`: usage.recorded + the customer's contract rate -> usage.priced. */
export class UsagePricingProcessorConfig {
  @IsIn(['usage-pricing']) kind!: 'usage-pricing';

  /** The contract rate that prices the calls. */
  @Optional() @IsString() @IsNotEmpty({ message: 'must be a non-empty string' })
  @JSONSchema({ description: 'Contract rate product code that prices calls', default: 'CONF-DIALIN-MIN' })
  productCode: string = 'CONF-DIALIN-MIN';

  @Optional() @IsIn(ROUNDINGS, { message: `must be one of ${ROUNDINGS.join(', ')}` })
  @JSONSchema({ description: 'per-started-unit: every started minute counts; exact: seconds / 60', default: 'per-started-unit' })
  rounding: (typeof ROUNDINGS)[number] = 'per-started-unit';
}

/** `kind: conference-summary`: usage.priced tallied per conference -> one conference.summarized. */
export class ConferenceSummaryProcessorConfig {
  @IsIn(['conference-summary']) kind!: 'conference-summary';

  @Optional() @Duration({ description: 'Summarize a conference when no record came for this long', default: '10m' })
  quietTime: number = 10 * 60_000;

  @Optional() @Duration({ description: 'How often open conferences are checked for the quiet time', default: '1m' })
  checkEvery: number = 60_000;

  @Optional() @IsIn(ROUNDINGS, { message: `must be one of ${ROUNDINGS.join(', ')}` })
  @JSONSchema({ description: 'Must match the pricing processor', default: 'per-started-unit' })
  rounding: (typeof ROUNDINGS)[number] = 'per-started-unit';
}

export type ProcessorConfig = UsagePricingProcessorConfig | ConferenceSummaryProcessorConfig;

/** The config class of each kind, checked entry by entry (unknown keys are errors). */
export const PROCESSOR_CONFIG_CLASSES: Record<ProcessorKind, new () => ProcessorConfig> = {
  'usage-pricing': UsagePricingProcessorConfig,
  'conference-summary': ConferenceSummaryProcessorConfig,
};

/** What each kind takes from the routes (a route sending anything else to it is a config error). */
export const PROCESSOR_CONSUMES: Record<ProcessorKind, readonly string[]> = {
  'usage-pricing': ['usage.recorded'],
  'conference-summary': ['usage.priced'],
};
