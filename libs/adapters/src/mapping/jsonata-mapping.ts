import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';
import { MappingError } from '../adapter.errors';
import { toDrafts, toQuery, toValue } from './canonical-draft';
import { CompiledExpression } from './jsonata-expression';
import { readMappingFolder, type MappingFolder } from './mapping-folder';
import { MappingLoadError, type MappingProblem } from './mapping.errors';
import type { MappingBindings, QueryErrorInfo, SystemMapping } from './mapping';

export interface JsonataMappingOptions {
  /** System name for error messages; defaults to the folder's name (`config/mappings/sales` -> `sales`). */
  system?: string;
}

/**
 * Loads a system's JSONata mapping folder and compiles every expression once:
 *
 * - `inbound.jsonata`: native value (`$meta` = transport metadata) -> draft or array of drafts
 * - `outbound/<type>.jsonata`: canonical envelope (`$xref` when known) -> native value
 * - `asks/<name>.jsonata` + `asks/<name>.reply.jsonata`: native question -> `{type, payload}`; canonical answer -> native;
 *   optional `asks/<name>.error.jsonata`: `{status, code, message}` of a refused question -> the system's own error body
 * - `answers/<type>.request.jsonata` + `answers/<type>.response.jsonata`: query payload -> native request; native answer -> canonical
 *
 * Throws MappingLoadError listing every syntax error (file, line, column) and misplaced file at once.
 */
export async function loadJsonataMapping(dir: string, options: JsonataMappingOptions = {}): Promise<SystemMapping> {
  const folder = await readMappingFolder(dir);
  const problems: MappingProblem[] = [...folder.problems];
  const compile = (file: { display: string; source: string }) => {
    const result = CompiledExpression.compile(file.display, file.source);
    if (result instanceof CompiledExpression) return result;
    problems.push(result);
    return undefined;
  };
  const compileAll = (files: ReadonlyMap<string, { display: string; source: string }>) => {
    const out = new Map<string, CompiledExpression>();
    for (const [key, file] of files) {
      const expression = compile(file);
      if (expression) out.set(key, expression);
    }
    return out;
  };
  const compiled: CompiledFolder = {
    system: options.system ?? folder.name,
    display: folder.display,
    inbound: folder.inbound && compile(folder.inbound),
    outbound: compileAll(folder.outbound),
    asks: compileAll(folder.asks),
    askReplies: compileAll(folder.askReplies),
    askErrors: compileAll(folder.askErrors),
    requests: compileAll(folder.requests),
    responses: compileAll(folder.responses),
  };
  if (problems.length) throw new MappingLoadError(folder.display, problems);
  return new JsonataMapping(compiled, folder);
}

interface CompiledFolder {
  system: string;
  display: string;
  inbound?: CompiledExpression;
  outbound: Map<string, CompiledExpression>;
  asks: Map<string, CompiledExpression>;
  askReplies: Map<string, CompiledExpression>;
  askErrors: Map<string, CompiledExpression>;
  requests: Map<string, CompiledExpression>;
  responses: Map<string, CompiledExpression>;
}

class JsonataMapping implements SystemMapping {
  readonly outboundTypes: readonly string[];
  readonly asks: readonly string[];
  readonly answers: readonly string[];
  private readonly system: string;

  constructor(
    private readonly c: CompiledFolder,
    folder: MappingFolder,
  ) {
    this.system = c.system;
    this.outboundTypes = [...folder.outbound.keys()].sort();
    this.asks = [...folder.asks.keys()].sort();
    this.answers = [...folder.requests.keys()].sort();
  }

  async toCanonical(native: unknown, meta?: Record<string, unknown>): Promise<CanonicalDraft[]> {
    const expression = this.c.inbound ?? this.missing('inbound.jsonata', 'receive messages from this system');
    const result = await expression.evaluate(native, { meta: meta ?? {} }, { system: this.system, what: 'an inbound message' });
    return toDrafts(result, this.where(expression));
  }

  async fromCanonical(envelope: CanonicalEnvelope, bindings?: MappingBindings): Promise<unknown> {
    const expression =
      this.c.outbound.get(envelope.type) ??
      this.missing(`outbound/${envelope.type}.jsonata`, `deliver ${envelope.type} (message ${envelope.id})`, this.outboundTypes);
    const what = `message ${envelope.id} (${envelope.type})`;
    const result = await expression.evaluate(envelope, bindings, { system: this.system, what });
    return toValue(result, `${this.where(expression)} for ${what}`);
  }

  async askToCanonical(queryName: string, native: unknown, meta?: Record<string, unknown>) {
    const expression = this.c.asks.get(queryName) ?? this.missing(`asks/${queryName}.jsonata`, `ask ${queryName}`, this.asks);
    const result = await expression.evaluate(native, { meta: meta ?? {} }, { system: this.system, what: `query ${queryName}` });
    return toQuery(result, this.where(expression));
  }

  async answerToNative(queryName: string, answer: unknown): Promise<unknown> {
    const expression = this.c.askReplies.get(queryName) ?? this.missing(`asks/${queryName}.reply.jsonata`, `answer ${queryName}`, this.asks);
    const result = await expression.evaluate(answer, undefined, { system: this.system, what: `the answer to ${queryName}` });
    return toValue(result, this.where(expression));
  }

  async askErrorToNative(queryName: string, error: QueryErrorInfo): Promise<unknown> {
    const expression = this.c.askErrors.get(queryName);
    if (!expression) return undefined;
    const result = await expression.evaluate(error, undefined, { system: this.system, what: `the error answer to ${queryName}` });
    return toValue(result, this.where(expression));
  }

  async queryToNative(type: string, query: unknown, bindings?: MappingBindings): Promise<unknown> {
    const expression = this.c.requests.get(type) ?? this.missing(`answers/${type}.request.jsonata`, `answer ${type}`, this.answers);
    const result = await expression.evaluate(query, bindings, { system: this.system, what: `query ${type}` });
    return toValue(result, this.where(expression));
  }

  async answerFromNative(type: string, native: unknown): Promise<unknown> {
    const expression = this.c.responses.get(type) ?? this.missing(`answers/${type}.response.jsonata`, `answer ${type}`, this.answers);
    const result = await expression.evaluate(native, undefined, { system: this.system, what: `the answer to ${type}` });
    return toValue(result, this.where(expression));
  }

  private where(expression: CompiledExpression) {
    return `${expression.file} (system ${this.system})`;
  }

  private missing(file: string, purpose: string, known?: readonly string[]): never {
    const has = known ? ` (it has: ${known.length ? known.join(', ') : 'none'})` : '';
    throw new MappingError(
      `System ${this.system} cannot ${purpose}: its mapping has no ${this.c.display}/${file}${has}; add that file or change the routes`,
      `${this.c.display}/${file}`,
    );
  }
}
