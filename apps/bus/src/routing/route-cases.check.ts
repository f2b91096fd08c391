import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ActiveConfig } from '../config/active-config';
import { envelopeOf } from '../config/message-trace';

/** One entry of routes.cases.yaml: a message in, the destinations it must reach. */
export interface RouteCase {
  name: string;
  message: { type: string; source: string; payload?: unknown };
  expect: string[];
}

export interface RouteCaseResult {
  name: string;
  outcome: 'passed' | 'failed';
  expected: string[];
  actual: string[];
  message?: string;
}

/** The cases of a routes.cases.yaml, or none when the file does not exist. */
export function readRouteCases(file: string): RouteCase[] {
  if (!existsSync(file)) return [];
  return ((parse(readFileSync(file, 'utf8')) as { cases?: RouteCase[] } | null)?.cases ?? []);
}

/** Routes each case's message with the version's route table and compares the destinations. */
export async function runRouteCases(config: ActiveConfig, cases: readonly RouteCase[]): Promise<RouteCaseResult[]> {
  const results: RouteCaseResult[] = [];
  for (const c of cases) {
    const { matches, conditionErrors } = await config.routeTable.match(envelopeOf({ ...c.message, payload: c.message.payload ?? {} }, c.message.source));
    const actual = matches.map((m) => m.destination).sort();
    const expected = [...(c.expect ?? [])].sort();
    const same = actual.length === expected.length && actual.every((d, i) => d === expected[i]);
    const problems = [
      ...(same ? [] : [`expected [${expected.join(', ')}], routed to [${actual.join(', ')}]`]),
      ...conditionErrors.map((e) => `route ${e.route}: condition failed: ${e.message}`),
    ];
    results.push({ name: c.name, outcome: problems.length ? 'failed' : 'passed', expected, actual, ...(problems.length ? { message: problems.join('; ') } : {}) });
  }
  return results;
}
