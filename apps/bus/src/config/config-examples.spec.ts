import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadBusConfig } from './bus-config.loader';
import { placeholderEnv } from './testing/placeholder-env';

const EXAMPLES = path.resolve(__dirname, '../../../../config/examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

describe('config/examples', () => {
  it('should hold at least one example', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('should load %s without a problem', async (name) => {
    const file = path.join(EXAMPLES, name);
    const text = readFileSync(file, 'utf8');
    const sut = await loadBusConfig(file, placeholderEnv(text));
    expect(sut.systems.size).toBeGreaterThan(0);
  });

  it.each(files)('should point editors at the JSON Schema on the first line of %s', (name) => {
    expect(readFileSync(path.join(EXAMPLES, name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../bus.schema.json');
  });
});
