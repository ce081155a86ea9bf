// A write PostgreSQL refuses unexpectedly is a 500, logged with its error and stack. PostgreSQL's error carries a
// `detail` which, for a row a constraint refused, is the whole row (`Failing row contains (…)`): the event as
// posted, its agent among it. The log keeps the error, its code, constraint and stack, and leaves that row out: a
// request body has no place in the log. On a PostgreSQL database of its own, whichever project runs it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../support/serverLog';
import { testDatabases } from '../support/postgres';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

const AGENT = 'Erika-Mustermann-refused';
let server: TestServer;
const log = captureLog();
const databases = testDatabases('ringside_error_log_rows');

beforeAll(async () => {
  const url = await databases.create();
  server = await startTestServer({ databaseUrl: url, logLevel: 'error' });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A refusal nothing in Ringside expects: it stands for any constraint a bug would trip.
    await client.query(`ALTER TABLE events ADD CONSTRAINT refuse_for_test CHECK (agent IS DISTINCT FROM '${AGENT}')`);
  } finally {
    await client.end();
  }
});
afterAll(async () => {
  log.stop();
  await server?.close();
  if (server) removeDir(server.dataDir);
  await databases.dropAll();
});

describe('the log of an unexpected database error', () => {
  it('names the error and the constraint, not the refused row', async () => {
    const res = await server.postEvents({ type: 'call', site: 'harbour', occurredAt: new Date().toISOString(), outcome: 'answered', rings: 1, agent: AGENT });
    expect(res.status).toBe(500);
    const line = log.lines().find((l) => l.msg === 'unexpected error');
    expect(line?.err).toMatchObject({ code: '23514', constraint: 'refuse_for_test' });
    expect(log.lines().filter((l) => JSON.stringify(l).includes(AGENT))).toEqual([]);
  });
});
