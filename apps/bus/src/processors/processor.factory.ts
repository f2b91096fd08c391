import type { Processor, ProcessorContext } from './processor';
import type { ProcessorConfig } from './processor.config';
import { ConferenceSummaryProcessor } from './conference-summary.processor';
import type { RateBook } from './rate-book';
import { UsagePricingProcessor } from './usage-pricing.processor';

/** The processor of a configured kind (the config layer already refused unknown kinds). */
export function createProcessor(config: ProcessorConfig, deps: ProcessorContext & { rates: RateBook }): Processor {
  switch (config.kind) {
    case 'usage-pricing':
      return new UsagePricingProcessor(config, deps.rates, deps);
    case 'conference-summary':
      return new ConferenceSummaryProcessor(config, deps);
  }
}
