import { EnvelopeFields } from '../envelope.schema';
import { MESSAGE_TYPES, QUERY_TYPES } from '../message-types';
import { SAMPLE_PAYLOADS, SAMPLE_QUERIES } from '../testing/canonical-samples';
import { check, checkWithClassValidator, problemsOf } from '../validation';
import { compiledCheckOf } from './compiled-check';

type Json = unknown;
type Plain = Record<string, unknown>;

const CLASSES: [string, new () => object, Plain][] = [
  ...Object.entries(MESSAGE_TYPES).map(([type, info]): [string, new () => object, Plain] => [`${type} payload`, info.payloadClass, SAMPLE_PAYLOADS[type]]),
  ...Object.entries(QUERY_TYPES).flatMap(([type, info]): [string, new () => object, Plain][] => [
    [`${type} query`, info.requestClass, SAMPLE_QUERIES[type].request],
    [`${type} answer`, info.answerClass, SAMPLE_QUERIES[type].answer],
  ]),
  [
    'envelope fields',
    EnvelopeFields,
    { id: 'a1', type: 'customer.updated', schemaVersion: 1, source: 'sales', correlationId: 'c1', occurredAt: '2026-11-28T09:00:00Z', payload: {} },
  ],
];

const text = (n: number, c = 'A') => c.repeat(n);
/** Values every field is set to in turn: wrong types, edges of lengths and ranges, dates that only look like dates. */
const VALUES: Json[] = [
  undefined, null, '', ' ', 'x', 'DE', 'de', 'EUR', 'eur', 'XXX', 'active', 'MIN', 'answered',
  ...[2, 3, 10, 11, 20, 21, 35, 36, 100, 101, 200, 201, 1000, 1001].map((n) => text(n)),
  ...[5, 10, 11].map((n) => text(n, '7')),
  // Longer in UTF-16 units than in the characters class-validator counts: around the limits of 10, 200 and 254.
  ...[10, 11, 200, 201, 254, 255].map((n) => text(n, '\u{1F600}')),
  text(150, '\u2665\uFE0F'),
  '2026-12-01', '2026-02-29', '2024-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '2026-12-01T00:00:00Z',
  '2026-12-03T14:00:02Z', '2026-12-03T14:00:02+01:00', '2026-12-03T14:00:02', '2026-12-03T25:00:02Z', '2026-12-03T14:00Z',
  'billing@acme.example', 'not an e-mail', '+49 351 123456', 'DE123456789', '01067',
  0, -0, 1, 2, -1, 0.005, 0.01, 0.05, 1.5, 19.9, 25.9, 2700, 1e21, -1e-9, Number.MAX_SAFE_INTEGER + 2,
  true, false, [], [1], ['x'], [{}], [[]], {}, { a: 1 }, { __proto__: null } as Json,
];

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Every path to a value in `root`, e.g. ['rates', 0, 'unitPrice']. */
function pathsOf(root: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(root)) root.forEach((v, i) => out.push([...prefix, i], ...pathsOf(v, [...prefix, i])));
  else if (root && typeof root === 'object') for (const [k, v] of Object.entries(root)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  return out;
}

function setAt(root: Plain, path: (string | number)[], value: Json, remove = false): Plain {
  const copy = clone(root);
  let at = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (remove) delete at[last];
  else at[last] = clone(value);
  return copy;
}

/** Objects and arrays in `root`, each with its path (the root itself at []). */
function containersOf(root: Json, prefix: (string | number)[] = []): { path: (string | number)[]; value: Json }[] {
  if (!root || typeof root !== 'object') return [];
  const own: { path: (string | number)[]; value: Json }[] = [{ path: prefix, value: root }];
  const children = Array.isArray(root) ? root.map((v, i) => containersOf(v, [...prefix, i])) : Object.entries(root).map(([k, v]) => containersOf(v, [...prefix, k]));
  return own.concat(...children);
}

/** The sample, each field removed or set to each of VALUES, an unknown field in every object, arrays emptied and grown. */
function variantsOf(sample: Plain): Plain[] {
  const out: Plain[] = [sample];
  for (const path of pathsOf(sample)) {
    out.push(setAt(sample, path, undefined, true));
    for (const value of VALUES) out.push(setAt(sample, path, value));
  }
  for (const { path, value } of containersOf(sample)) {
    const at = (v: Json) => (path.length ? setAt(sample, path, v) : (v as Plain));
    if (Array.isArray(value)) {
      out.push(at([]), at([...value, ...value]), at([...value, null]), at([value]));
    } else {
      out.push(at({ ...(value as Plain), unknownField: 1 }));
      const fields = JSON.stringify(value).slice(1, -1);
      out.push(at(JSON.parse(`{"__proto__": {"x": 1}${fields ? `, ${fields}` : ''}}`) as Json));
    }
  }
  // Every optional field left out: the smallest valid shape.
  out.push(Object.fromEntries(Object.entries(sample).filter(([k]) => checkWithClassValidator(CLASSES.find((c) => c[2] === sample)![1], setAt(sample, [k], undefined, true)).ok === false)));
  return out;
}

/** The same value with every object made prototype-less, as JSONata returns them. */
const withoutPrototypes = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (!value || typeof value !== 'object') return value;
  const out = Object.create(null) as Record<string, Json>;
  for (const [k, v] of Object.entries(value)) out[k] = withoutPrototypes(v);
  return out;
};

const settle = <T>(run: () => T): T | { thrown: string } => {
  try {
    return run();
  } catch (err) {
    return { thrown: (err as Error).message };
  }
};

describe('compiled check', () => {
  it.each(CLASSES)('should compile for %s and pass its sample without class-validator', (_name, cls, sample) => {
    const fast = compiledCheckOf(cls);
    expect(fast).not.toBeNull();
    expect(fast!(clone(sample))).toBe(true);
    expect(fast!(withoutPrototypes(sample) as Plain)).toBe(true);
  });

  it.each(CLASSES)('should never pass what class-validator refuses, and report the same problems, for %s', (_name, cls, sample) => {
    const fast = compiledCheckOf(cls)!;
    let passedByBoth = 0;
    // JSONata's objects have no prototype; JSON.parse's and the fast mapping's have Object's.
    for (const input of variantsOf(sample).flatMap((v) => [v, withoutPrototypes(v) as Plain])) {
      const reference = settle(() => checkWithClassValidator(cls, input));
      if (fast(input)) {
        expect({ input, reference }).toEqual({ input, reference: expect.objectContaining({ ok: true }) });
        passedByBoth++;
      }
      if ('thrown' in reference) {
        // A constraint that throws on this input throws whichever way it is checked.
        expect(() => problemsOf(cls, input)).toThrow(reference.thrown);
        continue;
      }
      expect(problemsOf(cls, input)).toEqual(reference.ok ? [] : reference.errors);
      const checked = check(cls, input);
      expect(checked.ok).toBe(reference.ok);
      if (checked.ok && reference.ok) expect(checked.value).toEqual(reference.value);
    }
    // The walk is not trivially refusing: many variants are valid and take the fast path.
    expect(passedByBoth).toBeGreaterThan(10);
  });
});
