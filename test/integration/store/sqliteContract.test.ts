// The store contract (test/contract/storeContract.ts) run against the SQLite backend, each test on a fresh data
// directory. A PostgreSQL backend runs the same suite with its own factory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { storeBackend } from '../../../server/src/storeBackend';
import { describeStoreContract } from '../../contract/storeContract';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite', (now) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringside-contract-'));
  dirs.push(dataDir);
  return storeBackend.open({ dataDir, now });
});
