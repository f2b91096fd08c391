import { ErrorCodes } from '@bus/canonical-model';
import { BusError } from '../adapter.errors';

/** One problem found in a mapping folder at load time. */
export interface MappingProblem {
  /** The file, as the integrator would open it, e.g. `config/mappings/sales/inbound.jsonata`. */
  file: string;
  /** `line 3, column 14`, when the problem has a place in the file. */
  location?: string;
  message: string;
}

/**
 * A mapping folder cannot be used: a syntax error, a missing partner file, a file in the wrong
 * place. Raised at config load, so the bus refuses the config instead of failing per message.
 * Lists every problem of the folder at once.
 */
export class MappingLoadError extends BusError {
  readonly code = ErrorCodes.CONFIG_INVALID;
  readonly retryable = false;
  constructor(
    readonly dir: string,
    readonly problems: readonly MappingProblem[],
  ) {
    super(
      `Mapping folder ${dir} cannot be loaded:\n` +
        problems.map((p) => `  ${p.file}${p.location ? ` (${p.location})` : ''}: ${p.message}`).join('\n'),
    );
  }
}
