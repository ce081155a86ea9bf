// A standard version's withdrawal is a chain record of its own (kind standardWithdrawal): a withdrawal stops a version
// being in force, so one written into the database outside Ringside (even of a version in force, which the API
// refuses) or one altered there is named by GET /audit/verify, as a standard version would be. A real server on
// SQLite and on PostgreSQL (the integration-postgres project), on a test clock; the tampering goes straight to the
// database, with the append-only triggers out of the way, as an attacker with write access would.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { useEngineServer } from '../engine/support';
import { runNode } from '../support/cli';
import { testClock } from '../support/testClock';
import { adminHeaders, databaseUrlOf } from '../support/testServer';

const clock = testClock(Date.parse('2026-03-02T09:00:00Z'));
const server = useEngineServer({ clock });

const SALES = { name: 'Sales calls answered within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<', threshold: 20, target: 0.8, formula: 'F5' };

/** Runs statements on the server's own database (its SQLite file or its PostgreSQL database), triggers disabled. */
async function tamper(statements: Array<[sql: string, params: unknown[]]>): Promise<void> {
  const url = await databaseUrlOf(server().dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Triggers (the append-only rules) fire only for sessions of the origin role.
      await client.query('SET session_replication_role = replica');
      for (const [sql, params] of statements) await client.query(sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`), params);
    } finally {
      await client.end();
    }
    return;
  }
  const db = openDatabase(server().dataDir);
  try {
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'standard_withdrawals'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    for (const [sql, params] of statements) db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

const verify = async () => (await server().send('GET', '/api/v1/audit/verify')).body as { intact: boolean; problems: Array<{ seq: number; kind: string; ref: string; problem: string }> };

async function scheduledVersion(id: string): Promise<void> {
  expect((await server().send('POST', '/api/v1/standards', { ...SALES, id })).status).toBe(201);
  expect((await server().send('PATCH', `/api/v1/standards/${id}`, { threshold: 30, validFrom: '2099-01-01T00:00:00Z' })).status).toBe(200);
}

describe('a standard version withdrawal is a chain record', () => {
  it('a withdrawal over the API is chained (before its audit entry, in the same write) and verifies intact, also offline', async () => {
    await scheduledVersion('chained-withdrawal');
    const before = (await server().send('GET', '/api/v1/audit/head')).body as { seq: number };
    expect((await server().send('DELETE', '/api/v1/standards/chained-withdrawal/versions/2')).status).toBe(200);
    const published = (await server().send('GET', '/api/v1/audit/head')).body as { seq: number; hash: string };
    const proof = await server().send('GET', `/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json&since=${before.seq}`);
    expect(proof.status, JSON.stringify(proof.body)).toBe(200);
    const links = proof.body.links as Array<{ seq: number; kind: string; ref: string }>;
    expect(links.filter((l) => l.seq > before.seq).map((l) => [l.kind, l.ref])).toEqual([
      ['standardWithdrawal', 'chained-withdrawal@2'],
      ['audit', expect.any(String)],
    ]);
    expect(await verify()).toMatchObject({ intact: true, problems: [] });
    // The offline verifier follows the proof through the withdrawal's link to the head published after it.
    const csv = await fetch(`${server().url}/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=csv&since=${before.seq}`, { headers: adminHeaders(server().apiKey) });
    const file = join(server().dataDir, 'audit-log.csv');
    writeFileSync(file, await csv.text());
    const offline = await runNode(['scripts/verify-export.mjs', file, '--head', published.hash]);
    // Every check passes; without the key where the entries start and end is not proven.
    expect(offline.stdout, offline.stderr).toMatch(/^NOT PROVEN/);
    expect(offline.stdout).toMatch(new RegExp(`the published head ${published.hash} is link \\d+ of the verified chain`));
  });

  it('a withdrawal row written into the database outside Ringside (of a version in force) is named', async () => {
    await scheduledVersion('forged-withdrawal');
    await tamper([['INSERT INTO standard_withdrawals (standard_id, version, withdrawn_at_ms) VALUES (?, ?, ?)', ['forged-withdrawal', 1, clock.now()]]]);
    const result = await verify();
    expect(result.intact).toBe(false);
    expect(result.problems).toEqual([{ seq: 0, kind: 'standardWithdrawal', ref: 'forged-withdrawal@1', problem: 'the standardWithdrawal record forged-withdrawal@1 has no chain link (written outside Ringside)' }]);
  });

  it('a chained withdrawal altered or removed in the database is named at its link', async () => {
    await scheduledVersion('altered-withdrawal');
    expect((await server().send('DELETE', '/api/v1/standards/altered-withdrawal/versions/2')).status).toBe(200);
    const named = async () => (await verify()).problems.filter((p) => p.ref.startsWith('altered-withdrawal@'));
    expect(await named()).toEqual([]);
    await tamper([['UPDATE standard_withdrawals SET withdrawn_at_ms = withdrawn_at_ms + 1 WHERE standard_id = ?', ['altered-withdrawal']]]);
    expect(await named()).toEqual([
      { seq: expect.any(Number), kind: 'standardWithdrawal', ref: 'altered-withdrawal@2', problem: 'the standardWithdrawal record altered-withdrawal@2 does not match its chain digest (the record was altered)' },
    ]);
    await tamper([['DELETE FROM standard_withdrawals WHERE standard_id = ?', ['altered-withdrawal']]]);
    expect(await named()).toEqual([
      { seq: expect.any(Number), kind: 'standardWithdrawal', ref: 'altered-withdrawal@2', problem: 'the standardWithdrawal record altered-withdrawal@2 is missing (deleted outside retention pruning)' },
    ]);
  });
});
