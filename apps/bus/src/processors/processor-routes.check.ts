import type { RouteConfig } from '../config/bus-config.schema';
import type { ConfigProblem } from '../config/config.errors';
import { formatPath } from '../config/config-path';
import { isTypePattern, matchesType } from '../routing/type-pattern';
import { PROCESSOR_CONSUMES, type ProcessorConfig } from './processor.config';

/**
 * Layer 4 for a route destination that is a processor: it must take every concrete type the route
 * sends (patterns are known only at run time and skipped, as for systems).
 */
export function checkProcessorDestination(route: RouteConfig, i: number, j: number, name: string, processor: ProcessorConfig): ConfigProblem[] {
  const consumes = PROCESSOR_CONSUMES[processor.kind];
  return route.types
    .filter((t) => !isTypePattern(t) && !consumes.some((p) => matchesType(p, t)))
    .map((type) => ({
      path: formatPath(['routes', i, 'to', j]),
      message: `processor "${name}" (${processor.kind}) does not accept ${type} (consumes: ${consumes.join(', ')})`,
    }));
}
