import * as path from 'node:path';
import { checkFixtures } from './fixtures.check';
import { loadConfigOffline } from './offline-config';

const CONFIG = path.resolve(__dirname, '../../../../config');

/** The project's own fixtures, through the same runner `bpi-bus test` uses for any config. */
describe('every __fixtures__ folder of config/bus.yaml and the examples', () => {
  it.each(['bus.yaml', 'examples/sales-billing.yaml', 'examples/booking-bridge.yaml'])('should pass every fixture of %s', async (name) => {
    const sut = await checkFixtures(await loadConfigOffline(path.join(CONFIG, name), {}));

    expect(sut.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(sut.filter((r) => r.outcome === 'passed').length).toBeGreaterThan(0);
  });
});
