/**
 * A synchronous evaluator for the plain part of JSONata: field paths, object and array
 * constructors, string literals, `&`, `=`/`!=`, `? :` and a few pure string/number functions.
 * JSONata 2.x evaluates every step of every expression through `await`; for a plain field mapping
 * that is most of the bus's CPU per message (see docs/benchmarks.md). JSONata stays the language
 * and the reference: this runs JSONata's own parse tree, follows the library's evaluator step for
 * step (jsonata.js: evaluatePath, evaluateStep, lookup, evaluateGroupExpression, append), and
 * gives up (FALLBACK) on anything outside the subset, at compile time for syntax, at run time for
 * values (arrays at the root, objects in `&`, strings `$number` would reject, ...). The caller then
 * evaluates with JSONata, which also produces its own error messages. jsonata-fast.spec.ts checks
 * both give the same results on every mapping of the repository and on generated inputs.
 */

import type jsonata from 'jsonata';

/** Thrown when an input is outside the subset; the caller evaluates with JSONata instead. */
export const FALLBACK: unique symbol = Symbol('jsonata-fast fallback');

/** What JSONata's parser gives (`jsonata(src).ast()`), as far as this evaluator reads it. */
interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  expressions?: Node[];
  procedure?: Node;
  arguments?: Node[];
  condition?: Node;
  then?: Node;
  else?: Node;
}

type Sequence = unknown[] & { sequence?: boolean };
type Bindings = Record<string, unknown> | undefined;
interface Env {
  root: unknown;
  bindings: Bindings;
}

export type FastEvaluator = (input: unknown, bindings?: Record<string, unknown>) => unknown;

/** The evaluator for `ast`, or undefined when the expression uses anything outside the subset. */
export function compileFast(ast: unknown): FastEvaluator | undefined {
  if (!supported(ast as Node)) return undefined;
  const root = ast as Node;
  annotate(root);
  return (input, bindings) => {
    // JSONata wraps an array input in an outer sequence with rules of its own.
    if (Array.isArray(input)) throw FALLBACK;
    return evaluate(root, input, { root: input, bindings });
  };
}

/** A compiled JSONata expression that is answered synchronously when it and its input are in the subset. */
export interface JsonataEvaluator {
  /** True when the expression is in the subset (for tests and diagnostics). */
  readonly isFast: boolean;
  /** What `expression.evaluate` gives; JSONata's own errors when it fails. */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

export function withFastPath(expression: jsonata.Expression): JsonataEvaluator {
  const fast = compileFast(expression.ast());
  return {
    isFast: fast !== undefined,
    async evaluate(input, bindings) {
      if (fast) {
        try {
          return fast(input, bindings);
        } catch {
          // Outside the subset, or an input JSONata rejects: JSONata evaluates it and words any error.
        }
      }
      return expression.evaluate(input, bindings);
    },
  };
}

// ---- what the subset accepts (every key of a node must be one this file reads) ----

const FUNCTIONS: Record<string, { arity: number; run: (...args: unknown[]) => unknown }> = {
  string: { arity: 1, run: (v) => (v === undefined ? undefined : toText(v)) },
  number: { arity: 1, run: toNumber },
  substringAfter: { arity: 2, run: substringAfter },
  lowercase: { arity: 1, run: (v) => (v === undefined ? undefined : text(v).toLowerCase()) },
  uppercase: { arity: 1, run: (v) => (v === undefined ? undefined : text(v).toUpperCase()) },
  exists: { arity: 1, run: (v) => v !== undefined },
};

const KEYS: Record<string, readonly string[]> = {
  string: ['value'],
  number: ['value'],
  value: ['value'],
  name: ['value'],
  variable: ['value'],
  path: ['steps'],
  '{': ['value', 'lhs'],
  '[': ['value', 'expressions'],
  binary: ['value', 'lhs', 'rhs'],
  function: ['value', 'procedure', 'arguments'],
  condition: ['condition', 'then', 'else'],
};

function onlyKeys(node: Node, kind: string): boolean {
  const allowed = KEYS[kind];
  // The parser leaves some keys present but undefined (a function call's `name`).
  return Object.entries(node).every(([k, v]) => v === undefined || k === 'type' || k === 'position' || allowed.includes(k));
}

function supported(node: Node | undefined): boolean {
  if (!node || typeof node !== 'object') return false;
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
    case 'name':
      return onlyKeys(node, node.type);
    case 'variable':
      return onlyKeys(node, 'variable') && typeof node.value === 'string';
    case 'path':
      return onlyKeys(node, 'path') && Array.isArray(node.steps) && node.steps.length > 0 && node.steps.every(supportedStep);
    case 'unary':
      if (node.value === '{') return onlyKeys(node, '{') && supportedPairs(node.lhs);
      if (node.value === '[') return onlyKeys(node, '[') && Array.isArray(node.expressions) && node.expressions.every(supported);
      return false;
    case 'binary':
      return onlyKeys(node, 'binary') && ['&', '=', '!='].includes(node.value as string) && supported(node.lhs as Node) && supported(node.rhs);
    case 'function': {
      const procedure = node.procedure;
      const fn = procedure?.type === 'variable' && onlyKeys(procedure, 'variable') ? FUNCTIONS[procedure.value as string] : undefined;
      return onlyKeys(node, 'function') && node.value === '(' && !!fn && node.arguments?.length === fn.arity && node.arguments.every(supported);
    }
    case 'condition':
      return onlyKeys(node, 'condition') && supported(node.condition) && supported(node.then) && (node.else === undefined || supported(node.else));
    default:
      return false;
  }
}

function supportedStep(step: Node): boolean {
  if (step.type === 'name') return onlyKeys(step, 'name');
  if (step.type === 'variable') return supported(step);
  return step.type === 'unary' && step.value === '{' && supported(step);
}

function supportedPairs(lhs: Node['lhs']): boolean {
  if (!Array.isArray(lhs)) return false;
  const keys = new Set<unknown>();
  for (const pair of lhs as [Node, Node][]) {
    // Literal keys only; a repeated key is JSONata's error D1009, `__proto__` would be a prototype.
    if (!Array.isArray(pair) || pair[0]?.type !== 'string' || !onlyKeys(pair[0], 'string') || !supported(pair[1])) return false;
    if (keys.has(pair[0].value) || pair[0].value === '__proto__') return false;
    keys.add(pair[0].value);
  }
  return true;
}

// ---- plain field paths (`payload.customerId`), the bulk of a mapping ----

/** On a path node whose steps are all field names: those names (set at compile time). */
const NAMES: unique symbol = Symbol('jsonata-fast names');
/** On an object constructor: its builder for one input item (set at compile time). */
const BUILD: unique symbol = Symbol('jsonata-fast object builder');
type PathNode = Node & { [NAMES]?: string[] };
type GroupNode = Node & { [BUILD]?: ObjectBuilder };
type ObjectBuilder = (evaluateValue: typeof evaluate, pairs: [Node, Node][], input: unknown, env: Env) => Record<string, unknown>;

/** Compile-time work on the tree: the names of plain paths, and a builder per object constructor. */
function annotate(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(annotate);
  if (!node || typeof node !== 'object') return;
  const n = node as PathNode & GroupNode;
  if (n.type === 'path' && n.steps!.every((step) => step.type === 'name')) n[NAMES] = n.steps!.map((step) => step.value as string);
  if (n.type === 'unary' && n.value === '{') n[BUILD] = objectBuilder(n.lhs as [Node, Node][]);
  for (const value of Object.values(n)) annotate(value);
}

/**
 * `{"code": a, "price": b}` over one item, as a function with the object literal in its source: V8 then
 * makes each object with its final shape at once, instead of growing it a key at a time. A key whose value is
 * undefined is left out, as JSONata does, on the slower path. The keys are distinct string literals and
 * never `__proto__` (supportedPairs), so the literal means the same as assigning them one by one.
 */
function objectBuilder(pairs: [Node, Node][]): ObjectBuilder {
  const keys = pairs.map((pair) => JSON.stringify(pair[0].value));
  const values = keys.map((_, i) => `const v${i} = evaluateValue(pairs[${i}][1], input, env);`);
  const defined = keys.map((_, i) => `v${i} !== undefined`).join(' && ') || 'true';
  const literal = keys.map((key, i) => `${key}: v${i}`).join(', ');
  const oneByOne = keys.map((key, i) => `if (v${i} !== undefined) result[${key}] = v${i};`);
  const source = [...values, `if (${defined}) return { ${literal} };`, 'const result = {};', ...oneByOne, 'return result;'].join('\n');
  return new Function('evaluateValue', 'pairs', 'input', 'env', source) as ObjectBuilder;
}

/** Returned by `walkNames` where the general path evaluation must decide (an array on the way). */
const GENERAL: unique symbol = Symbol('jsonata-fast general');

/**
 * A path of field names over objects, walked directly: what evaluatePath gives when no value on the
 * way is an array (there JSONata maps over the items and flattens, so the general evaluation runs).
 */
function walkNames(names: string[], input: unknown): unknown {
  let value = input;
  for (let i = 0; i < names.length; i++) {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) return GENERAL;
    if (!Object.prototype.hasOwnProperty.call(value, names[i])) return undefined;
    value = (value as Record<string, unknown>)[names[i]];
  }
  return isSequence(value) ? GENERAL : value;
}

// ---- evaluation, after jsonata.js ----

function sequence(...items: unknown[]): Sequence {
  const s: Sequence = [];
  s.sequence = true;
  for (const item of items) s.push(item);
  return s;
}

const isSequence = (v: unknown): v is Sequence => Array.isArray(v) && (v as Sequence).sequence === true;

function evaluate(node: Node, input: unknown, env: Env): unknown {
  let result: unknown;
  switch (node.type) {
    case 'path': {
      const names = (node as PathNode)[NAMES];
      const walked = names ? walkNames(names, input) : GENERAL;
      result = walked === GENERAL ? evaluatePath(node, input, env) : walked;
      break;
    }
    case 'name':
      result = lookup(input, node.value as string);
      break;
    case 'string':
    case 'number':
    case 'value':
      result = node.value;
      break;
    case 'variable':
      result = variable(node.value as string, input, env);
      break;
    case 'unary':
      result = node.value === '{' ? evaluateGroup(node as GroupNode, input, env) : evaluateArray(node.expressions!, input, env);
      break;
    case 'binary':
      result = evaluateBinary(node, input, env);
      break;
    case 'function':
      result = evaluateFunction(node, input, env);
      break;
    case 'condition':
      if (truthy(evaluate(node.condition!, input, env))) result = evaluate(node.then!, input, env);
      else if (node.else) result = evaluate(node.else, input, env);
      break;
    default:
      throw FALLBACK;
  }
  if (result && isSequence(result)) {
    if (result.length === 0) result = undefined;
    else if (result.length === 1) result = result[0];
  }
  return result;
}

function variable(name: string, input: unknown, env: Env): unknown {
  if (name === '') return input;
  if (name === '$') return env.root;
  if (env.bindings && Object.prototype.hasOwnProperty.call(env.bindings, name)) return env.bindings[name];
  // An unbound name may be one of JSONata's functions used as a value.
  throw FALLBACK;
}

function evaluatePath(node: Node, input: unknown, env: Env): unknown {
  const steps = node.steps!;
  let inputSequence: unknown[] = Array.isArray(input) && steps[0].type !== 'variable' ? input : sequence(input);
  let resultSequence: unknown[] | undefined;
  for (let i = 0; i < steps.length; i++) {
    resultSequence = evaluateStep(steps[i], inputSequence, env, i === steps.length - 1);
    if (resultSequence.length === 0) break;
    inputSequence = resultSequence;
  }
  return resultSequence;
}

function evaluateStep(step: Node, input: unknown[], env: Env, lastStep: boolean): unknown[] {
  const result: Sequence = [];
  let nested = false;
  for (const item of input) {
    const res = evaluate(step, item, env);
    if (res === undefined) continue;
    result.push(res);
    nested ||= Array.isArray(res);
  }
  if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0])) return result[0] as unknown[];
  // Nothing to flatten (a step over objects, the usual case): the results are the sequence.
  if (!nested) {
    result.sequence = true;
    return result;
  }
  const flat = sequence();
  for (const res of result) {
    if (Array.isArray(res)) for (const v of res) flat.push(v);
    else flat.push(res);
  }
  return flat;
}

function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = sequence();
    for (const item of input) {
      const res = lookup(item, key);
      if (res === undefined) continue;
      if (Array.isArray(res)) for (const v of res) result.push(v);
      else result.push(res);
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && Object.prototype.hasOwnProperty.call(input, key)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

/** JSONata's `append`: undefined sides disregarded, non-arrays wrapped, then one concat. */
function append(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const left = Array.isArray(a) ? a : sequence(a);
  return left.concat(Array.isArray(b) ? b : [b]);
}

function evaluateGroup(node: GroupNode, input: unknown, env: Env): Record<string, unknown> {
  const pairs = node.lhs as [Node, Node][];
  // One item: every pair's group is that item, in the pairs' order.
  if (!Array.isArray(input)) return node[BUILD]!(evaluate, pairs, input, env);
  // A plain object, where JSONata makes one without a prototype: V8 keeps those as hash tables, slower to
  // fill, validate and serialize. `__proto__` is refused as a key at compile time, so no key can set a prototype.
  const result: Record<string, unknown> = {};
  // An empty input still makes one object (JSONata pushes `undefined` into it; a copy spares the caller's data).
  const items: unknown[] = input.length > 0 ? input : [undefined];
  // Keys are distinct literals (checked at compile time): each pair's group holds the items in order.
  const groups = new Map<string, { data: unknown; pair: number }>();
  for (const item of items) {
    for (let p = 0; p < pairs.length; p++) {
      const key = pairs[p][0].value as string;
      const group = groups.get(key);
      if (group) group.data = append(group.data, item);
      else groups.set(key, { data: item, pair: p });
    }
  }
  for (const [key, group] of groups) {
    const value = evaluate(pairs[group.pair][1], group.data, env);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

function evaluateArray(expressions: Node[], input: unknown, env: Env): unknown[] {
  let result: unknown = [];
  for (const item of expressions) {
    const value = evaluate(item, input, env);
    if (value === undefined) continue;
    if (item.value === '[') (result as unknown[]).push(value);
    else result = append(result, value);
  }
  return result as unknown[];
}

function evaluateBinary(node: Node, input: unknown, env: Env): unknown {
  const lhs = evaluate(node.lhs as Node, input, env);
  const rhs = evaluate(node.rhs!, input, env);
  if (node.value === '&') return (lhs === undefined ? '' : toText(lhs)) + (rhs === undefined ? '' : toText(rhs));
  if (lhs === undefined || rhs === undefined) return false;
  if (typeof lhs === 'object' && lhs !== null) throw FALLBACK;
  if (typeof rhs === 'object' && rhs !== null) throw FALLBACK;
  return node.value === '=' ? lhs === rhs : lhs !== rhs;
}

function evaluateFunction(node: Node, input: unknown, env: Env): unknown {
  const name = node.procedure!.value as string;
  // A binding of the same name would be what JSONata calls.
  if (env.bindings && Object.prototype.hasOwnProperty.call(env.bindings, name)) throw FALLBACK;
  const args = node.arguments!.map((a) => evaluate(a, input, env));
  return FUNCTIONS[name].run(...args);
}

// ---- JSONata's conversions, for the values they accept without an error ----

/** `$string` and `&` of a primitive; objects and arrays go to JSONata (its JSON rendering of numbers). */
function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw FALLBACK;
    return String(Number.isInteger(v) ? v : Number(v.toPrecision(15)));
  }
  if (typeof v === 'boolean' || v === null) return String(v);
  throw FALLBACK;
}

function text(v: unknown): string {
  if (typeof v !== 'string') throw FALLBACK;
  return v;
}

function toNumber(v: unknown): unknown {
  if (v === undefined || typeof v === 'number') return v;
  if (v === true) return 1;
  if (v === false) return 0;
  if (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(v)) {
    const n = parseFloat(v);
    if (Number.isFinite(n)) return n;
  }
  throw FALLBACK;
}

function substringAfter(str: unknown, chars: unknown): unknown {
  // JSONata checks both arguments' types before it looks at either value.
  const s = str === undefined ? undefined : text(str);
  const c = text(chars);
  if (s === undefined) return undefined;
  const pos = s.indexOf(c);
  return pos > -1 ? s.substring(pos + c.length) : s;
}

/** JSONata's effective boolean value. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length === 1 ? truthy(v[0]) : v.some(truthy);
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'function') throw FALLBACK;
  return Object.keys(v).length > 0;
}
