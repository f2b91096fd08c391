import * as path from 'node:path';
import { loadConfigOffline } from '../config/offline-config';
import { readRouteCases, runRouteCases } from './route-cases.check';

const CONFIG = path.resolve(__dirname, '../../../../config');
const cases = readRouteCases(path.join(CONFIG, 'routes.cases.yaml'));

/** The same runner `bpi-bus test` uses for any config folder. */
describe('config/routes.cases.yaml against config/bus.yaml', () => {
  const loaded = loadConfigOffline(CONFIG, {});

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, routeCase) => {
    const [sut] = await runRouteCases(await loaded, [routeCase]);

    expect(sut).toEqual(expect.objectContaining({ outcome: 'passed' }));
  });
});
