import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadBusConfig } from '../config/bus-config.loader';
import { placeholderEnv } from '../config/testing/placeholder-env';

const CONFIG = path.resolve(__dirname, '../../../../config');

interface RouteCase {
  name: string;
  message: { type: string; source: string; payload?: unknown };
  expect: string[];
}

const cases = (parse(readFileSync(path.join(CONFIG, 'routes.cases.yaml'), 'utf8')) as { cases: RouteCase[] }).cases;

describe('config/routes.cases.yaml against config/bus.yaml', () => {
  const file = path.join(CONFIG, 'bus.yaml');
  const loaded = loadBusConfig(file, placeholderEnv(readFileSync(file, 'utf8')));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, routeCase) => {
    const sut = (await loaded).routeTable;
    const envelope = { id: 'case', schemaVersion: 1, correlationId: 'case', occurredAt: '2026-01-01T00:00:00.000Z', payload: {}, ...routeCase.message };
    const { matches, conditionErrors } = await sut.match(envelope);
    expect(conditionErrors).toEqual([]);
    expect(matches.map((m) => m.destination).sort()).toEqual([...routeCase.expect].sort());
  });
});
