import { createHash, randomUUID } from 'node:crypto';
import { createConnection } from 'mongoose';
import { runStoreContract } from '../store.contract';
import { MongoStore } from './mongo.store';

const uri = process.env.MONGODB_URI;
const dbName = `bus-test-${randomUUID()}`;
const locations: string[] = [];

if (!uri) {
  // Said once, so a green run never hides that this half of the contract did not run.
  console.warn('MongoDB contract tests skipped: set MONGODB_URI to run them (no MongoDB server exists on this machine)');
} else {
  afterAll(async () => {
    const conn = await createConnection(uri, { dbName }).asPromise();
    await conn.dropDatabase();
    for (const name of locations) await conn.useDb(name).dropDatabase();
    await conn.close();
  });
}

runStoreContract(
  'mongodb',
  () => MongoStore.connect({ uri: uri!, dbName }),
  uri ? describe : describe.skip,
  // A database of its own per location (the store id is one per database); dropped afterwards.
  (location) => {
    // Database names are limited to 63 bytes.
    const name = `bus-test-${createHash('sha256').update(dbName + location).digest('hex').slice(0, 24)}`;
    if (!locations.includes(name)) locations.push(name);
    return MongoStore.connect({ uri: uri!, dbName: name });
  },
);
