// The hash chain names the first tampered record (API and built CLI), deletes outside pruning
// are refused and detected, retention pruning keeps the chain verifiable with a signed checkpoint.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { buildServer, mainJs, runNode } from '../support/cli';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, visit } from '../support/testServer';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

beforeAll(() => buildServer());

const cliVerify = (dataDir: string) => runNode([mainJs, 'verify', '--data', dataDir, '--json']);

describe('hash chain', () => {
  it('is intact after ingest, standard and site changes; names an edited event, judgement, link or deleted row', async () => {
    const server = await startTestServer();
    try {
      expect((await server.postEvents({ events: [call({ id: 'a', rings: 1 }), call({ id: 'b', rings: 4 }), visit({ id: 'c', greetSeconds: 3 })] })).status).toBe(201);
      const patched = await fetch(`${server.url}/api/v1/sites/downtown`, { method: 'PATCH', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ timeZone: 'Europe/London', country: 'UK' }) });
      expect(patched.status).toBe(200);
      const ok = await server.getJson('/api/v1/audit/verify');
      expect(ok.body).toMatchObject({ intact: true });
      expect(ok.body.message).toBe(`intact up to record ${ok.body.records}, head hash ${ok.body.headHash}`);
      const head = await server.getJson('/api/v1/audit/head');
      expect(head.body).toEqual({ seq: ok.body.headSeq, hash: ok.body.headHash });
      const log = (await server.getJson('/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json')).body;
      const siteChange = log.rows.find((r: any) => r.action === 'site.update');
      expect(siteChange).toMatchObject({ target: 'downtown' });
      expect(siteChange.key_id).not.toBe('anonymous'); // the admin key's id, from the security middleware
      expect(JSON.parse(siteChange.details)).toMatchObject({ method: 'PATCH', body: { timeZone: 'Europe/London' } });
      // kinds chained: standards (seeded), site history, events, judgements, the audit log entry of the PATCH
      const db = openDatabase(server.dataDir);
      const kinds = (db.prepare('SELECT DISTINCT kind FROM audit_chain').all() as Array<{ kind: string }>).map((k) => k.kind).sort();
      expect(kinds).toEqual(['audit', 'event', 'judgement', 'site', 'standard']);

      // Tamper: drop the append-only trigger (as an attacker with file access would) and edit one event.
      const b = db.prepare("SELECT seq FROM events WHERE id = 'b'").get() as { seq: number };
      const link = db.prepare("SELECT seq FROM audit_chain WHERE kind = 'event' AND event_seq = ?").get(b.seq) as { seq: number };
      db.exec('DROP TRIGGER events_append_only_u');
      db.prepare("UPDATE events SET rings = 2 WHERE id = 'b'").run();
      const bad = await server.getJson('/api/v1/audit/verify');
      expect(bad.body).toMatchObject({ intact: false, records: link.seq - 1, firstBad: { seq: link.seq, kind: 'event', ref: String(b.seq) } });
      expect(bad.body.message).toMatch(new RegExp(`first mismatch at record ${link.seq} \\(event ${b.seq}\\).*altered`));
      const cli = await cliVerify(server.dataDir);
      expect(cli.status).toBe(1);
      expect(JSON.parse(cli.stdout).firstBad.seq).toBe(link.seq);
      db.prepare("UPDATE events SET rings = 4 WHERE id = 'b'").run(); // put it back: intact again
      expect((await server.getJson('/api/v1/audit/verify')).body.intact).toBe(true);

      // A judgement flipped to met.
      db.exec('DROP TRIGGER judgements_append_only_u');
      db.prepare('UPDATE judgements SET met = 1 WHERE event_seq = ?').run(b.seq);
      expect((await server.getJson('/api/v1/audit/verify')).body.firstBad).toMatchObject({ kind: 'judgement', ref: `${b.seq}/call-answer-2-rings` });
      db.prepare('UPDATE judgements SET met = 0 WHERE event_seq = ?').run(b.seq);

      // A chain link rewritten.
      db.exec('DROP TRIGGER audit_chain_append_only_u');
      db.prepare("UPDATE audit_chain SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = 3").run();
      expect((await server.getJson('/api/v1/audit/verify')).body.firstBad).toMatchObject({ seq: 3, problem: expect.stringMatching(/link row was altered/) });
      db.exec('DROP TRIGGER audit_chain_append_only_d');

      // Deletes outside pruning are refused by the triggers; forced (triggers dropped) they are detected.
      expect(() => db.prepare("DELETE FROM events WHERE id = 'c'").run()).toThrow(/append-only/);
      db.close();
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it("dates every link by the server's clock, whatever kind of record it chains", async () => {
    const T0 = Math.floor((Date.now() - DAY) / 60_000) * 60_000;
    const server = await startTestServer({ clock: testClock(T0) });
    try {
      const at = new Date(T0 - 60_000).toISOString();
      expect((await server.postEvents({ events: [call({ id: 'a', occurredAt: at }), visit({ id: 'c', occurredAt: at })] })).status).toBe(201);
      const patched = await fetch(`${server.url}/api/v1/sites/downtown`, { method: 'PATCH', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ timeZone: 'Europe/London' }) });
      expect(patched.status).toBe(200);
      const db = openDatabase(server.dataDir);
      try {
        const dated = db.prepare('SELECT kind, MIN(at_ms) AS first, MAX(at_ms) AS last FROM audit_chain GROUP BY kind ORDER BY kind').all();
        expect(dated).toEqual(['audit', 'event', 'judgement', 'site', 'standard'].map((kind) => ({ kind, first: T0, last: T0 })));
      } finally {
        db.close();
      }
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it('checks the whole chain: two records altered far apart are both named (API, CLI, export check)', async () => {
    const server = await startTestServer();
    try {
      const events = Array.from({ length: 40 }, (_, i) => call({ id: `e${i}`, rings: 1 + (i % 3) }));
      expect((await server.postEvents({ events })).status).toBe(201);
      const db = openDatabase(server.dataDir);
      const linkOf = (id: string) => db.prepare("SELECT c.seq, c.ref FROM audit_chain c JOIN events e ON e.seq = c.event_seq WHERE c.kind = 'event' AND e.id = ?").get(id) as { seq: number; ref: string };
      const early = linkOf('e2');
      const late = linkOf('e37');
      const total = (db.prepare('SELECT MAX(seq) FROM audit_chain').pluck().get() as number);
      db.exec('DROP TRIGGER events_append_only_u');
      db.prepare("UPDATE events SET agent = 'someone else' WHERE id IN ('e2', 'e37')").run();

      const verify = (await server.getJson('/api/v1/audit/verify')).body;
      const named = [
        { seq: early.seq, kind: 'event', ref: early.ref, problem: `the event record ${early.ref} does not match its chain digest (the record was altered)` },
        { seq: late.seq, kind: 'event', ref: late.ref, problem: `the event record ${late.ref} does not match its chain digest (the record was altered)` },
      ];
      expect(verify).toMatchObject({ intact: false, records: early.seq - 1, headSeq: early.seq - 1, checked: total, firstBad: named[0], problems: named, moreProblems: 0 });
      expect(verify.message).toMatch(new RegExp(`^first mismatch at record ${early.seq} .*; 2 problems in ${total} records checked; intact up to record ${early.seq - 1}, hash [0-9a-f]{64}$`));

      const cli = await runNode([mainJs, 'verify', '--data', server.dataDir]);
      expect(cli.status).toBe(1);
      expect(cli.stdout).toContain(`  record ${early.seq} (event ${early.ref}): the event record ${early.ref} does not match its chain digest`);
      expect(cli.stdout).toContain(`  record ${late.seq} (event ${late.ref}): the event record ${late.ref} does not match its chain digest`);
      expect(JSON.parse((await cliVerify(server.dataDir)).stdout).problems).toEqual(named);

      // Links rewritten (digest and hash) after the first problem are named too, each at the first link that fails.
      db.exec('DROP TRIGGER audit_chain_append_only_u');
      db.prepare("UPDATE audit_chain SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = ?").run(late.seq + 1);
      const more = (await server.getJson('/api/v1/audit/verify')).body;
      expect(more.problems.map((p: { seq: number }) => p.seq)).toEqual([early.seq, late.seq, late.seq + 1, late.seq + 2]);
      db.close();
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it('the offline export check names every altered row, not only the first', async () => {
    const server = await startTestServer();
    try {
      const events = Array.from({ length: 30 }, (_, i) => call({ id: `x${i}`, site: 'harbour', rings: 1 }));
      expect((await server.postEvents({ events })).status).toBe(201);
      const csv = await (await fetch(`${server.url}/api/v1/export/events?from=${ago(1)}&format=csv`, { headers: adminHeaders(server.apiKey) })).text();
      const lines = csv.split('\r\n');
      const row = (id: string) => lines.findIndex((l) => l.includes(`,${id},`));
      for (const id of ['x1', 'x28']) lines[row(id)] = lines[row(id)]!.replace(',harbour,', ',elsewhere,');
      const file = join(server.dataDir, 'altered.csv');
      writeFileSync(file, lines.join('\r\n'));
      const check = await runNode(['scripts/verify-export.mjs', file, '--json']);
      expect(check.status).toBe(1);
      const problems = JSON.parse(check.stdout).problems as string[];
      expect(problems.filter((p) => /\(event x1\b.*does not hash/.test(p))).toHaveLength(1);
      expect(problems.filter((p) => /\(event x28\b.*does not hash/.test(p))).toHaveLength(1);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it('chains records that existed before migration 5 (upgrade), in the migration transaction', async () => {
    const dir = tempDataDir();
    try {
      // A version-4 file with data, written without the chain (as an older Ringside would have).
      const probeDir = tempDataDir();
      const probe = openDatabase(probeDir);
      const Database = probe.constructor as unknown as new (file: string) => typeof probe; // better-sqlite3, without its types here
      probe.close();
      removeDir(probeDir);
      const old = new Database(join(dir, 'ringside.db'));
      expect(migrate(old, MIGRATIONS.filter((m) => m.version <= 4))).toBe(4);
      const now = Date.now();
      old.prepare("INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES ('old-site', 'UTC', 6, ?)").run(now);
      old.prepare("INSERT INTO standards (id, version, definition, created_at_ms) VALUES ('call-answer-2-rings', 1, ?, ?)").run(
        JSON.stringify({ id: 'call-answer-2-rings', version: 1, name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3' }),
        now,
      );
      old.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, derived, content)
        VALUES ('pre', 'call', 'old-site', ?, ?, ?, 'answered', 1, 0, '["answerSeconds"]', '{}')`).run(now - 60_000, new Date(now - 60_000).toISOString(), now);
      old.prepare("INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason) VALUES (1, 'call-answer-2-rings', 1, 'rings', 1, 2, 1, NULL)").run();
      old.close();

      const server = await startTestServer({ dataDir: dir });
      await server.postEvents(call({ id: 'x' }));
      expect((await server.getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true });
      await server.close();
      const db = openDatabase(dir);
      const first = db.prepare('SELECT kind, ref FROM audit_chain ORDER BY seq LIMIT 4').all();
      db.close();
      expect(first).toEqual([
        { kind: 'standard', ref: 'call-answer-2-rings@1' },
        { kind: 'site', ref: '1' },
        { kind: 'event', ref: '1' },
        { kind: 'judgement', ref: '1/call-answer-2-rings' },
      ]);
      expect((await cliVerify(dir)).status).toBe(0);
      const out = (await runNode([mainJs, 'verify', '--data', dir])).stdout;
      expect(out).toMatch(/^INTACT: intact up to record \d+, head hash [0-9a-f]{64}/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('retention', () => {
  it('--retain-days prunes old raw events, keeps rollups and a verifiable chain with a signed checkpoint', async () => {
    const dir = tempDataDir();
    try {
      let server = await startTestServer({ dataDir: dir });
      const old = [call({ id: 'old1', occurredAt: ago(500), rings: 1 }), call({ id: 'old2', occurredAt: ago(450), rings: 5 })];
      const recent = [call({ id: 'new1', occurredAt: ago(10), rings: 1 }), visit({ id: 'new2', occurredAt: ago(5) })];
      expect((await server.postEvents({ events: [...old, ...recent] })).status).toBe(201);
      const oldDay = `from=${ago(501).slice(0, 10)}T00:00:00Z&to=${ago(440).slice(0, 10)}T00:00:00Z&standard=call-answer-2-rings`;
      const before = (await server.getJson(`/api/v1/compliance?${oldDay}`)).body.standards[0];
      expect([before.numerator, before.denominator]).toEqual([1, 2]);
      await server.close();

      server = await startTestServer({ dataDir: dir, retainDays: 400 });
      const verify = (await server.getJson('/api/v1/audit/verify')).body;
      expect(verify).toMatchObject({ intact: true, pruned: 2 * 2, checkpoints: 1 }); // 2 events + 2 judgements
      // Rollups kept: the aligned (whole-day, UTC) compliance for the old days is unchanged.
      const after = (await server.getJson(`/api/v1/compliance?${oldDay}&tz=UTC`)).body.standards[0];
      expect([after.numerator, after.denominator]).toEqual([1, 2]);
      const ev = await (await fetch(`${server.url}/api/v1/export/events?from=${ago(600)}&format=csv`, { headers: adminHeaders(server.apiKey) })).text();
      expect(ev).not.toContain('old1');
      expect(ev).toContain('new1');
      const file = join(dir, 'after-prune.csv');
      writeFileSync(file, ev);
      const offline = await runNode(['scripts/verify-export.mjs', file, '--head', verify.headHash]);
      expect(offline.stdout).toMatch(/^NOT PROVEN/); // every check passes; where it starts only the key proves
      // The range starts before the cutoff: the verified file says it cannot hold every event posted for it, and an
      // export of the pruned days alone, verified with no rows, says why it has none.
      expect(offline.stdout).toMatch(/\n {2}retention pruned the raw events that occurred before \S+ \(checkpoint 1\): this file cannot hold the events of \S+–\S+, only those back-dated there after pruning/);
      const pruned = join(dir, 'pruned-days.csv');
      writeFileSync(pruned, await (await fetch(`${server.url}/api/v1/export/events?from=${ago(600)}&to=${ago(400)}&format=csv`, { headers: adminHeaders(server.apiKey) })).text());
      const empty = await runNode(['scripts/verify-export.mjs', pruned]);
      expect(empty.stdout).toMatch(/^NOT PROVEN: .* \(events, csv, 0 rows, /);
      expect(empty.stdout).toContain('retention pruned the raw events that occurred before');
      const log = await (await fetch(`${server.url}/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json`, { headers: adminHeaders(server.apiKey) })).json();
      expect(log.rows.find((r: any) => r.action === 'retention.prune')).toMatchObject({ key_id: 'system' });
      // A pruned event can no longer be corrected: gone (410), saying since when, not "not found".
      const gone = await fetch(`${server.url}/api/v1/events/old1/void`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'too late' }) });
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await gone.json()).errors).toEqual([{ path: 'id', message: expect.stringMatching(/^no event with id "old1" is stored: events that occurred before \d{4}-\d\d-\d\dT[\d:.]+Z were pruned by retention/) }]);
      await server.close();

      // The checkpoint is signed: changing what it says breaks verification.
      const db = openDatabase(dir);
      db.exec('DROP TRIGGER audit_checkpoints_append_only_u');
      db.prepare('UPDATE audit_checkpoints SET events = 1').run();
      db.close();
      const cli = await cliVerify(dir);
      expect(cli.status).toBe(1);
      expect(JSON.parse(cli.stdout).firstBad.problem).toMatch(/HMAC/);
    } finally {
      removeDir(dir);
    }
  });

  it('the prune command and --retain-days refuse bad values', async () => {
    const r = await runNode([mainJs, 'prune', '--data', tempDataDir(), '--retain-days', '0']);
    expect(r.status).toBe(2);
    const s = await runNode([mainJs, '--retain-days', 'x']);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/--retain-days/);
  });
});
