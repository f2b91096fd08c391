import { join } from 'node:path';
import type { BusStore, StoreOptions } from './bus-store';

/** The part of the environment that chooses and places the store. */
export interface StoreEnv {
  MONGODB_URI?: string;
  /** Folder of the embedded store's file; default `.data`. */
  BUS_DATA_DIR?: string;
}

/**
 * MONGODB_URI set -> MongoDB (mongoose), else the embedded SQLite file `${BUS_DATA_DIR}/bus.sqlite`.
 * Each implementation is loaded only when chosen, so the bus starts without the other's driver.
 */
export async function createStore(env: StoreEnv, options: StoreOptions & { onPurgeError?: (err: unknown) => void } = {}): Promise<BusStore> {
  if (env.MONGODB_URI) {
    const { MongoStore } = await import('./mongo/mongo.store');
    return MongoStore.connect({ ...options, uri: env.MONGODB_URI });
  }
  const { SqliteStore } = await import('./sqlite/sqlite.store');
  return new SqliteStore({ ...options, filename: join(env.BUS_DATA_DIR || '.data', 'bus.sqlite') });
}
