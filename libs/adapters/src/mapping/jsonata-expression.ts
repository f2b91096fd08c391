import jsonata from 'jsonata';
import { MappingError } from '../adapter.errors';
import { lineAndColumn } from '../text-position';
import type { MappingProblem } from './mapping.errors';
import { withFastPath, type JsonataEvaluator } from './jsonata-fast';

/** What a JSONata error object carries (it is a plain object, not an Error). */
interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

const NO_CLOCK =
  'mappings are pure and have no clock: $now() and $millis() work only when the bus passes a `now` binding; ' +
  'map the time from the message instead (e.g. $meta or a field of the payload)';

/** Replaces JSONata's clock functions for every compiled expression; see NO_CLOCK. */
const noClock = () => {
  throw new Error(NO_CLOCK);
};

const isFailure = (e: unknown): e is JsonataFailure =>
  typeof e === 'object' && e !== null && ('code' in e || 'position' in e);

function describeFailure(source: string, e: unknown): { location?: string; message: string } {
  if (!isFailure(e)) return { message: e instanceof Error ? e.message : String(e) };
  const message = `${e.message ?? 'JSONata error'}${e.code ? ` [${e.code}]` : ''}`;
  if (typeof e.position !== 'number') return { message };
  // JSONata reports the position just after the offending token; point at its start instead.
  const start = Math.max(0, e.position - (e.token ? String(e.token).length : 1));
  const { line, column } = lineAndColumn(source, start);
  return { location: `line ${line}, column ${column}`, message };
}

/** Names the message a mapping failed on, for error messages. */
export interface EvaluationSubject {
  system: string;
  /** e.g. `message 0b6c… (customer.updated)` or `an inbound message`. */
  what: string;
}

/**
 * One JSONata file compiled once at load. `evaluate` is async (JSONata 2.x) and turns every
 * evaluation failure into a MappingError naming the file, the place in it and the message.
 * A plain field mapping is evaluated synchronously by jsonata-fast.ts, with JSONata as the fallback.
 */
export class CompiledExpression {
  private readonly evaluator: JsonataEvaluator;

  private constructor(
    readonly file: string,
    private readonly source: string,
    expression: jsonata.Expression,
  ) {
    this.evaluator = withFastPath(expression);
  }

  /** True when the synchronous evaluator handles this expression (for tests and diagnostics). */
  get isFast(): boolean {
    return this.evaluator.isFast;
  }

  /** Compiles `source`; returns a problem instead of throwing so a loader can report all files at once. */
  static compile(file: string, source: string): CompiledExpression | MappingProblem {
    let expression: jsonata.Expression;
    try {
      expression = jsonata(source);
    } catch (e) {
      return { file, ...describeFailure(source, e) };
    }
    expression.registerFunction('now', noClock);
    expression.registerFunction('millis', noClock);
    return new CompiledExpression(file, source, expression);
  }

  async evaluate(input: unknown, bindings: Record<string, unknown> | undefined, subject: EvaluationSubject): Promise<unknown> {
    try {
      return await this.evaluator.evaluate(input, withClock(bindings));
    } catch (e) {
      const { location, message } = describeFailure(this.source, e);
      throw new MappingError(
        `Mapping ${this.file}${location ? ` at ${location}` : ''} failed for ${subject.what} of system ${subject.system}: ${message}`,
        location ? `${this.file}: ${location}` : this.file,
        { cause: e },
      );
    }
  }
}

/**
 * A host that wants `$now()` passes `now` (ISO string or Date) in the bindings; the mapping then
 * sees that fixed time, so the same input still gives the same output.
 */
function withClock(bindings: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const now = bindings?.now;
  if (now === undefined) return bindings;
  const at = now instanceof Date ? now : new Date(String(now));
  const iso = at.toISOString();
  const millis = at.getTime();
  return { ...bindings, now: () => iso, millis: () => millis };
}
