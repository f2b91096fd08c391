import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import jsonata from 'jsonata';
import { MappingError } from '../adapter.errors';
import { CompiledExpression } from './jsonata-expression';
import { FALLBACK, compileFast } from './jsonata-fast';

// The fast evaluator must give what JSONata gives, down to sequences and null-prototype objects:
// every mapping of the repository and a list of expressions are run through both on inputs
// generated from the names the expression reads (seeded, so a failure reproduces).

const ROOT = path.resolve(__dirname, '../../../..');
const MAPPING_DIRS = ['config', 'bench/config', 'libs/adapters/src/mapping/__fixtures__'];

function mappingFiles(): string[] {
  return MAPPING_DIRS.flatMap((dir) =>
    (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonata')).map((f) => path.join(dir, f)),
  ).sort();
}

/** A deterministic pseudo-random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIMITIVES: unknown[] = [null, true, false, 0, 1, -2.5, 0.1 + 0.2, 1e21, 123456789.123456789, '', 'x', 'A b', '12.5', '-3', '1e3', 'bench-42', 'bench-', '0x1F', 'abc', 'EUR'];

function inputs(names: string[], seed: number, count: number): unknown[] {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 0 && r < 0.35) return object(depth - 1);
    if (depth > 0 && r < 0.55) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth - 1));
    return pick(PRIMITIVES);
  };
  const object = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const name of names) if (rnd() < 0.6) out[name] = value(depth);
    return out;
  };
  return Array.from({ length: count }, (_, i) => (i % 25 === 24 ? pick(PRIMITIVES) : object(3)));
}

/** Names the expression looks up, so the generated inputs have something to find. */
function namesIn(node: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(node)) node.forEach((n) => namesIn(n, out));
  else if (node && typeof node === 'object') {
    const n = node as { type?: string; value?: unknown };
    if (n.type === 'name' && typeof n.value === 'string') out.add(n.value);
    for (const v of Object.values(node)) namesIn(v, out);
  }
  return [...out];
}

/**
 * What a value is, including what JSON would not show: sequences, undefined, and objects that are not plain.
 * JSONata makes its objects without a prototype and the fast path makes them with Object's: both are plain.
 */
function shape(v: unknown): unknown {
  if (v === undefined) return '<undefined>';
  if (Array.isArray(v)) return { sequence: (v as { sequence?: boolean }).sequence === true, items: v.map(shape) };
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    return { plain: proto === null || proto === Object.prototype, entries: Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]) };
  }
  return v;
}

/** Runs both evaluators over the inputs; returns how many the fast one answered. */
async function compare(source: string, seed: number, count = 300): Promise<number> {
  const expression = jsonata(source);
  const fast = compileFast(expression.ast());
  if (!fast) return 0;
  const names = namesIn(expression.ast());
  const rnd = random(seed + 1);
  let answered = 0;
  for (const input of inputs(names.length ? names : ['a'], seed, count)) {
    const bindings = { meta: inputs(names, Math.floor(rnd() * 1e9), 1)[0], xref: { customer: 'C-1' } };
    let expected: unknown;
    let jsonataFailed = false;
    try {
      expected = await expression.evaluate(input, bindings);
    } catch {
      jsonataFailed = true;
    }
    let actual: unknown;
    try {
      actual = fast(input, bindings);
    } catch (e) {
      expect(e).toBe(FALLBACK);
      continue;
    }
    answered++;
    // Where JSONata fails, the fast path must not answer.
    expect({ source, input, failed: jsonataFailed }).toEqual({ source, input, failed: false });
    expect({ source, input, result: shape(actual) }).toEqual({ source, input, result: shape(expected) });
  }
  return answered;
}

describe('jsonata-fast', () => {
  describe('gives what JSONata gives', () => {
    const fastFiles = mappingFiles().filter((file) => compileFast(jsonata(readFileSync(path.join(ROOT, file), 'utf8')).ast()));

    it('for the plain mappings of the repository (the bench and the demo systems have some)', () => {
      expect(fastFiles).toEqual(expect.arrayContaining(['bench/config/mappings/loadgen/inbound.jsonata', 'bench/config/mappings/sink/outbound/contract.rates-changed.jsonata']));
    });

    it.each(fastFiles)('for %s', async (file) => {
      expect(await compare(readFileSync(path.join(ROOT, file), 'utf8'), file.length * 7919)).toBeGreaterThan(0);
    });

    it.each([
      'a', 'a.b', 'a.b.c', '$.a', '$$.a.b', '$meta.a', '$meta', '$', '"lit"', '42', 'true', 'null', '{}', '[]',
      '[a]', '[a.b]', '[a, b]', '[[a], b]', '[a, [b, c]]', '["[", a]',
      '{"k": a}', '{"k": a.b, "n": {"m": b}}', 'a.{"x": b}', '[a.{"x": b}]', 'a.b.{"x": c, "y": [a]}', '{"k": $}', 'a.{"k": $}',
      'a & b', 'a & "-" & b.c', '"bench-" & $string(a)', '$string(a)', '$number(a)', '$number($substringAfter(a, "bench-"))',
      '$lowercase(a)', '$uppercase(a.b)', '$exists(a)', '$exists(a.b)', '$substringAfter(a, b)',
      'a = "x"', 'a != b', 'a = b ? "same" : "different"', 'a ? b', 'a.b ? a.b : c', '$exists(a) ? {"k": a} : {"k": b}',
      '{"rates": [a.lines.{"code": sku, "price": $number(price)}]}',
    ])('for %s', async (source) => {
      expect(await compare(source, source.length * 104729, 400)).toBeGreaterThan(0);
    });
  });

  it('should answer the plain mappings itself, not hand them all to JSONata', async () => {
    const bench = readFileSync(path.join(ROOT, 'bench/config/mappings/loadgen/inbound.jsonata'), 'utf8');
    expect(compileFast(jsonata(bench).ast())).toBeDefined();
    const input = { event: 'contract.rates-changed', eventId: 'E-1', sentAt: 1, contract: { id: 'K-1', account: 'C-1', cur: 'EUR', from: '2026-12-01', lines: [{ sku: 'S', price: 1.5, uom: 'min' }] } };
    expect(shape(compileFast(jsonata(bench).ast())!(input))).toEqual(shape(await jsonata(bench).evaluate(input)));
    expect(await compare('{"k": a.b, "l": [c.{"x": d}]}', 99, 200)).toBeGreaterThan(150);
  });

  it('should make ordinary objects, which V8 keeps in fast mode (JSONata makes prototype-less ones, kept as hash tables)', () => {
    const made = compileFast(jsonata('{"k": a, "rows": [rows.{"code": c, "n": $number(n)}]}').ast())!({ a: 'x', rows: [{ c: 'S', n: '1' }, { c: 'T', n: '2' }] }) as {
      rows: object[];
    };
    expect(made).toEqual({ k: 'x', rows: [{ code: 'S', n: 1 }, { code: 'T', n: 2 }] });
    for (const o of [made, ...made.rows]) expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  it.each(['$sum(a)', 'a[0]', 'a.$string()', '$now()', '{"k": a, "k": b}', 'a{b: c}', 'a[]', '($x := 1; $x)', 'a + 1', '-a', 'a.*', '**.a', 'a^(b)', '$f(a)', '{a: b}', '{"__proto__": a}'])(
    'should leave %s to JSONata',
    (source) => {
      expect(compileFast(jsonata(source).ast())).toBeUndefined();
    },
  );

  it("should keep JSONata's error for an input outside the subset", async () => {
    const compiled = CompiledExpression.compile('inbound.jsonata', '{"n": $number(a)}') as CompiledExpression;
    expect(compiled.isFast).toBe(true);
    expect(await compiled.evaluate({ a: '7' }, undefined, { system: 'sales', what: 'an inbound message' })).toEqual({ n: 7 });
    await expect(compiled.evaluate({ a: 'seven' }, undefined, { system: 'sales', what: 'an inbound message' })).rejects.toThrow(MappingError);
    await expect(compiled.evaluate({ a: 'seven' }, undefined, { system: 'sales', what: 'an inbound message' })).rejects.toThrow(/D3030/);
  });
});
