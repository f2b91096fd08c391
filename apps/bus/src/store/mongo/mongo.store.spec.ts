import { randomUUID } from 'node:crypto';
import { createConnection } from 'mongoose';
import { runStoreContract } from '../store.contract';
import { MongoStore } from './mongo.store';

const uri = process.env.MONGODB_URI;
const dbName = `bus-test-${randomUUID()}`;

if (!uri) {
  // Said once, so a green run never hides that this half of the contract did not run.
  console.warn('MongoDB contract tests skipped: set MONGODB_URI to run them (no MongoDB server exists on this machine)');
} else {
  afterAll(async () => {
    const conn = await createConnection(uri, { dbName }).asPromise();
    await conn.dropDatabase();
    await conn.close();
  });
}

runStoreContract(
  'mongodb',
  () => MongoStore.connect({ uri: uri!, dbName }),
  uri ? describe : describe.skip,
);
