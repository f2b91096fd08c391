import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from './create-store';

describe(createStore.name, () => {
  it('should open the embedded store in BUS_DATA_DIR when MONGODB_URI is not set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bus-data-'));
    try {
      const sut = await createStore({ BUS_DATA_DIR: join(dir, 'nested') }, { purgeIntervalMs: 0 });
      expect(sut.kind).toBe('sqlite');
      expect(existsSync(join(dir, 'nested', 'bus.sqlite'))).toBe(true);
      await sut.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
