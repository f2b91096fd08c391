import jsonata from 'jsonata';
import { withFastPath, type JsonataEvaluator } from '@bus/adapters';

/** What JSONata throws: a plain object with a code and a character position, not an Error. */
interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

/** Turns a JSONata failure (or any error) into one line of text. */
export function describeJsonataError(e: unknown): string {
  if (e instanceof Error && !('code' in e && 'position' in e)) return e.message;
  const f = e as JsonataFailure;
  if (typeof f !== 'object' || f === null) return String(e);
  const at = typeof f.position === 'number' ? ` at character ${f.position}` : '';
  return `${f.message ?? 'JSONata error'}${f.code ? ` [${f.code}]` : ''}${at}`;
}

/** A route's `when` or `transform`, compiled once at config load. */
export class RouteExpression {
  private readonly evaluator: JsonataEvaluator;

  private constructor(
    /** The expression as written in bus.yaml. */
    readonly source: string,
    expression: jsonata.Expression,
  ) {
    this.evaluator = withFastPath(expression);
  }

  /** Compiles `source`, or returns the syntax error as text. */
  static compile(source: string): RouteExpression | string {
    try {
      return new RouteExpression(source, jsonata(source));
    } catch (e) {
      return `is not a valid JSONata expression: ${describeJsonataError(e)}`;
    }
  }

  /** Evaluates over a canonical envelope; throws an Error whose message describes the JSONata failure. */
  async evaluate(envelope: unknown): Promise<unknown> {
    try {
      return await this.evaluator.evaluate(envelope);
    } catch (e) {
      throw new Error(describeJsonataError(e), { cause: e });
    }
  }

  /** JSONata's own `$boolean()` rules, so a condition means what it means in the JSONata docs. */
  async test(envelope: unknown): Promise<boolean> {
    return toBoolean(await this.evaluate(envelope));
  }
}

function toBoolean(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'function') return false;
  if (Array.isArray(value)) return value.some(toBoolean);
  return Object.keys(value as object).length > 0;
}
