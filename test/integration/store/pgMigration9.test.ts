// PostgreSQL migration 9 on a database at version 8 whose links have no tags: it chains a tags record per event,
// judgement and correction link, with the tags, digests and hashes domain/chain.ts gives (written in PL/pgSQL: the
// chain verifies only if every byte agrees, odd site names included), and an export then proves its completeness.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CHAIN_KIND, GENESIS_HASH, linkHash, recordJsonOf, refOf, sha256, tagsOf, type ChainKind } from '../../../server/src/domain/chain';
import { PG_MIGRATIONS } from '../../../server/src/store/migrations/postgres';
import { createPool } from '../../../server/src/store/postgres/db';
import { migrate } from '../../../server/src/store/postgres/migrate';
import { testDatabases } from '../support/postgres';
import { adminHeaders, removeDir, startTestServer } from '../support/testServer';
import { runNode } from '../support/cli';

const databases = testDatabases('ringside_pg_migration_8');
afterAll(() => databases.dropAll());

const T = Date.parse('2026-06-01T10:00:00Z');
const ODD = 'nörth "east",\nwing \u0001 🛎️';

it('upgrades a version-8 database: tags records for the old links, the chain verifies, exports prove completeness', async () => {
  const databaseUrl = await databases.create();
  const pool = createPool({ url: databaseUrl, max: 1 });
  const expectedTags: string[] = [];
  try {
    expect(await migrate(pool, PG_MIGRATIONS.slice(0, 8))).toBe(8);
    let prev = { seq: 0, hash: GENESIS_HASH };
    const chain = async (kind: ChainKind, values: readonly unknown[], keys: [unknown, unknown, unknown]) => {
      const digest = sha256(recordJsonOf(CHAIN_KIND[kind])(values));
      const ref = refOf(kind, values);
      prev = { seq: prev.seq + 1, hash: linkHash(prev.hash, kind, ref, digest) };
      await pool.query('INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [prev.seq, kind, ref, ...keys, digest, prev.hash, T]);
    };
    const standard = ['calls', 1, '{"id":"calls"}', T, null, 0];
    await pool.query('INSERT INTO standards (id, version, definition, created_at_ms, valid_from_ms, retired) VALUES ($1, $2, $3, $4, $5, $6)', standard);
    await chain('standard', standard, [null, 'calls', 1]);
    for (const site of [ODD, 'b']) await pool.query(`INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES ($1, 'UTC', 6, $2)`, [site, T]);
    for (const [seq, site] of [[1, ODD], [2, 'b'], [3, ODD]] as const) {
      const at = T + seq * 60_000;
      const event = [seq, `e${seq}`, 'call', site, at, new Date(at).toISOString(), at, 'answered', 1, null, null, null, null, '[]', `{"id":"e${seq}"}`];
      await pool.query(`INSERT INTO events (seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, event);
      await chain('event', event, [seq, null, null]);
      expectedTags.push(tagsOf('event', event)!);
      const judgement = [seq, 'calls', 1, 'rings', 1, 2, 1, 1, null];
      await pool.query('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', judgement);
      await chain('judgement', judgement, [seq, 'calls', null]);
      expectedTags.push(tagsOf('judgement', judgement, { site, occurredAtMs: at })!);
    }
    const correction = [1, 2, 'void', '{}', '{}', 'duplicate', 'k_test', T];
    await pool.query('INSERT INTO audit_corrections (seq, event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', correction);
    await chain('correction', correction, [2, null, 1]);
    expectedTags.push(tagsOf('correction', correction)!);
  } finally {
    await pool.end();
  }

  const server = await startTestServer({ databaseUrl });
  try {
    const check = createPool({ url: databaseUrl, max: 1 });
    try {
      const tags = await check.query<{ tags: string; ref: string }>("SELECT tags, ref FROM audit_chain WHERE kind = 'tags' ORDER BY seq");
      expect(tags.rows.map((r) => r.tags)).toEqual(expectedTags);
    } finally {
      await check.end();
    }
    // The fixture writes events and judgements but not the rollup and histogram rows a version-8 node would have
    // summed them into, so verification names those; the chain itself, tags records included, checks out.
    const verified = (await server.getJson('/api/v1/audit/verify')).body as { problems: Array<{ seq: number; kind: string; cell?: unknown }> };
    expect(verified.problems.filter((p) => p.cell === undefined)).toEqual([]);
    expect(new Set(verified.problems.map((p) => p.kind.replace(/_(minute|15m|hour|day)$/, '')))).toEqual(new Set(['rollup', 'value_hist']));
    const res = await fetch(`${server.url}/api/v1/export/events?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z&site=b&format=csv`, { headers: adminHeaders(server.apiKey) });
    const file = join(server.dataDir, 'old.csv');
    writeFileSync(file, await res.text());
    const out = await runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), file]);
    expect(out.status, out.stdout).toBe(3); // every check passes; where it starts only the signature (not given) binds
    expect(out.stdout).toMatch(/no row missing from chain links \d+–\d+: every event and judgement of the filters chained there is a row \(\d+ tagged links judged\)/);
    expect(out.stdout).not.toContain('completeness not proven');
  } finally {
    await server.close();
    removeDir(server.dataDir);
  }
});
