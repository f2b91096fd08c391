import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { checkFixtures } from './fixtures.check';
import { loadConfigOffline } from './offline-config';

const CONFIG = path.resolve(__dirname, '../../../../config');
const CONFIGS = ['bus.yaml', ...readdirSync(path.join(CONFIG, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

/** The project's own fixtures, through the same runner `bpi-bus test` uses for any config. */
describe('every __fixtures__ folder of config/bus.yaml and the examples', () => {
  it.each(CONFIGS)('should pass every fixture of %s', async (name) => {
    const sut = await checkFixtures(await loadConfigOffline(path.join(CONFIG, name), {}));

    expect(sut.filter((r) => r.outcome === 'failed')).toEqual([]);
  });

  it('should run every system folder that has fixtures', async () => {
    const sut = await checkFixtures(await loadConfigOffline(path.join(CONFIG, 'examples/demo.yaml'), {}));

    expect(new Set(sut.filter((r) => r.outcome === 'passed').map((r) => r.system))).toEqual(new Set(['sales', 'billing', 'booking', 'bridge']));
  });
});
