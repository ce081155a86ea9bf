// PostgreSQL migration 4 on a database at version 3 that holds a chained event: the event keeps its row and its
// link (the event record without measures hashes as before), the chain verifies, and the database then takes a
// closed complaint as an event of its own type.
import { afterAll, expect, it } from 'vitest';
import { CHAIN_KIND, GENESIS_HASH, linkHash, recordJsonOf, sha256 } from '../../../server/src/domain/chain';
import { PG_MIGRATIONS } from '../../../server/src/store/migrations/postgres';
import { createPool } from '../../../server/src/store/postgres/db';
import { migrate } from '../../../server/src/store/postgres/migrate';
import { testDatabases } from '../support/postgres';
import { testClock } from '../support/testClock';
import { removeDir, startTestServer } from '../support/testServer';
import { postMilestones } from '../clocks/support';

const databases = testDatabases('ringside_pg_migration_4');
afterAll(() => databases.dropAll());

const T = Date.parse('2026-06-01T10:00:00Z');

it('upgrades a version-3 database with a chained event; the chain verifies and complaints become events', async () => {
  const databaseUrl = await databases.create();
  const pool = createPool({ url: databaseUrl, max: 1 });
  try {
    expect(await migrate(pool, PG_MIGRATIONS.slice(0, 3))).toBe(3);
    await pool.query(`INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES ('old', 'UTC', 6, $1)`, [T]);
    const row = [1, 'e1', 'call', 'old', T, new Date(T).toISOString(), T, 'answered', 1, 3, null, null, null, '[]', '{"id":"e1"}'] as const;
    // Numbered by the identity, as version 3 stored events: the first is 1.
    const inserted = await pool.query<{ seq: string }>(
      `INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq`,
      row.slice(1),
    );
    expect(Number(inserted.rows[0]!.seq)).toBe(row[0]);
    // The link as version 3 wrote it: the event record without a measures key.
    const digest = sha256(recordJsonOf(CHAIN_KIND.event)([...row]));
    await pool.query(`INSERT INTO audit_chain (seq, kind, ref, event_seq, digest, hash, at_ms) VALUES (1, 'event', '1', 1, $1, $2, $3)`, [digest, linkHash(GENESIS_HASH, 'event', '1', digest), T]);
  } finally {
    await pool.end();
  }

  const clock = testClock(T + 3_600_000);
  const server = await startTestServer({ databaseUrl, clock });
  try {
    const milestones = ['received', 'acknowledged', 'resolved', 'followedUp'].map((m, i) => ({ type: 'complaint', site: 'old', caseId: 'K-1', milestone: m, at: new Date(T + i * 60_000).toISOString() }));
    expect((await postMilestones(server, { milestones })).status).toBe(201);
    const verify = (await server.getJson('/api/v1/audit/verify')).body;
    expect(verify).toMatchObject({ intact: true });
    const exported = await server.getJson('/api/v1/export/events?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z&format=json');
    expect(exported.body.rows.map((r: { event_id: string; type: string; outcome: string }) => [r.event_id, r.type, r.outcome])).toEqual([
      ['e1', 'call', 'answered'],
      ['case:complaint:old:K-1', 'complaint', 'followedUp'],
    ]);
  } finally {
    await server.close();
    removeDir(server.dataDir);
  }
});
