// The store contract (test/contract/storeContract.ts) run against the PostgreSQL backend, each test on a freshly
// created database (dropped after the file). Needs PostgreSQL on 127.0.0.1:5432 (support/postgres.ts says so when absent).
import { afterAll } from 'vitest';
import { postgresBackend } from '../../../server/src/store/postgres';
import { describeStoreContract } from '../../contract/storeContract';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_contract');
afterAll(() => databases.dropAll());

describeStoreContract('postgres', async (now) => postgresBackend({ url: await databases.create() }).open({ dataDir: '(unused)', now }));
