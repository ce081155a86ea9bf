// A server closed (SIGTERM, a deploy) while a dashboard's snapshot is still being read: closing waits for the read,
// so the store is not closed under it and nothing is logged as failed. On PostgreSQL, where the read is slow enough
// to overlap the close: a table the snapshot reads is locked by another session, so the read is held mid-way.
import pg from 'pg';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/postgres';
import { captureLog } from '../support/serverLog';
import { removeDir, startTestServer } from '../support/testServer';

describe('closing a PostgreSQL node while a snapshot is being read', () => {
  const databases = testDatabases('ringside_closebuild');
  afterAll(() => databases.dropAll());

  it('waits for the snapshot, then closes the store: no failure is logged', async () => {
    const url = await databases.create();
    const server = await startTestServer({ databaseUrl: url, logLevel: 'info', alerts: { enabled: false } });
    const logged = captureLog();
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    const client = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
    try {
      await locker.query('BEGIN');
      // The snapshot reads the open incidents, then the sites: held at the first, it still has a read to make.
      await locker.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
      await new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
      const count = async (sql: string) => (await locker.query(sql)).rowCount!;
      while ((await count("SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = 'incidents'")) === 0);
      // The node's session holding the leader lock ends when its store closes (this database's locks only: other
      // tests and nodes on the same cluster hold their own).
      const leaderLock = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
      expect(await count(leaderLock)).toBe(1);
      const closing = server.close();
      // Until the close says it waits for the snapshot, or (what must not happen) the store closes under it.
      const waiting = () => logged.lines().some((l) => l.msg === 'closing: waiting for live snapshots being read before the store closes');
      while (!waiting() && (await count(leaderLock)) === 1);
      expect(await count(leaderLock)).toBe(1);
      await locker.query('ROLLBACK');
      await closing;
      expect(logged.lines().filter((l) => l['level'] >= 40)).toEqual([]);
    } finally {
      logged.stop();
      client.close();
      await locker.end();
      removeDir(server.dataDir);
    }
  });
});
