// Durability around the SQLite file: online backup + restore, upgrading a schema-1 database,
// and a read-only or full data folder (a real tmpfs mount) answering 503 without corrupting anything.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { captureLog } from '../support/serverLog';
import { useTmpfs } from '../support/tmpfs';
import { buildServer, mainJs, startCli } from '../support/cli';
import { countRows } from '../support/database';
import { call, removeDir, startTestServer, tempDataDir, visit } from '../support/testServer';

const dirs: string[] = [];
const dataDir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

describe('backup and restore (CLI)', () => {
  beforeAll(buildServer);
  const KEY = 'rs_backup-test-key-0123456789abcdef';
  const run = (args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', timeout: 20_000 });

  it('backs up a running server online, refuses to restore over it, restores once it stopped', async () => {
    const dir = dataDir();
    const backupFile = join(dataDir(), 'backup.db');
    const server = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: KEY });
    const post = (body: unknown) => fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
    expect((await post({ events: [call({ id: 'b1' }), call({ id: 'b2' }), visit({ id: 'b3' })] })).status).toBe(201);

    // Online: while the server runs and keeps writing.
    const writing = (async () => {
      for (let i = 0; i < 30; i++) await post(call({ id: `during-${i}` }));
    })();
    const backup = run(['backup', '--data', dir, '--to', backupFile]);
    await writing;
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/backup written to .*backup\.db \(\d+ events, schema version \d+\)/);
    expect(run(['backup', '--data', dir, '--to', backupFile]).status).toBe(1); // never overwrites a file
    // One self-contained file: no -wal or -shm beside it (checking the copy must not leave them either).
    expect(readdirSync(dirname(backupFile))).toEqual(['backup.db']);

    expect((await post(call({ id: 'after-backup' }))).status).toBe(201);
    const refused = run(['restore', '--from', backupFile, '--data', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/a Ringside server \(pid \d+.*\) is using/);

    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    const eventsInBackup = countRowsOf(backupFile);
    expect(eventsInBackup).toBeGreaterThanOrEqual(3);
    const restored = run(['restore', '--from', backupFile, '--data', dir]);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/previous database was kept as .*before-restore/);
    expect(readdirSync(dirname(backupFile))).toEqual(['backup.db']);
    expect(countRows(dir).events).toBe(eventsInBackup);

    // The restored data serves: b1 is a duplicate, after-backup is new again.
    const again = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: KEY });
    try {
      const res = await fetch(`${again.url}/api/v1/health`);
      expect(res.status).toBe(200);
    } finally {
      again.child.kill('SIGTERM');
      await again.exit;
    }
  });

  it('restore into a new folder says which audit files to copy there, and from where, before the first start', async () => {
    const dir = dataDir();
    const first = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: KEY });
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const backupFile = join(dataDir(), 'backup.db');
    expect(run(['backup', '--data', dir, '--to', backupFile]).status).toBe(0);
    const copyNote = (into: string, files: string, it: string, without: string) =>
      `note: ${into} holds no ${files}, which travel beside a backup, not in it: before the first start, copy ${it} from the --data folder the backup was taken from ` +
      `(or from where they are kept with the backups) into ${into} (owner the server's user, mode 0600); a start without ${it} ${without}\n`;
    const newKey = 'makes a new export signing key (its exports then verify only with that key, not with the public key published for this store)';
    const noPrune = "does not prune until the store's audit.secret is there";

    const into = join(dataDir(), 'new');
    const restored = run(['restore', '--from', backupFile, '--data', into]);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toBe(`restored 0 events into ${into}\n${copyNote(into, 'audit-signing.json and no audit.secret', 'them', `${newKey} and ${noPrune}`)}`);
    // One of them there: the other is named.
    const half = dataDir();
    copyFileSync(join(dir, 'audit.secret'), join(half, 'audit.secret'));
    expect(run(['restore', '--from', backupFile, '--data', half]).stderr).toBe(`restored 0 events into ${half}\n${copyNote(half, 'audit-signing.json', 'it', newKey)}`);
    // Into a folder that has both, nothing more to say.
    expect(run(['restore', '--from', backupFile, '--data', dir, '--force']).stderr).toBe(`restored 0 events into ${dir}\n`);

    // Copied as it says, the first start signs with the store's key and has its secret: no error about either.
    for (const f of ['audit-signing.json', 'audit.secret']) copyFileSync(join(dir, f), join(into, f));
    const started = await startCli(['--port', '0', '--data', into], { RINGSIDE_API_KEY: KEY });
    await started.until('stderr', /"msg":"server started"/);
    expect(started.stderr()).not.toMatch(/"level":50/);
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('refuses to restore a file that is not a Ringside database', () => {
    const junk = join(dataDir(), 'junk.db');
    writeFileSync(junk, 'not a database');
    const r = run(['restore', '--from', junk, '--data', dataDir()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ringside restore: /);
  });
});

function countRowsOf(file: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-inspect-'));
  dirs.push(dir);
  const copy = join(dir, 'ringside.db');
  writeFileSync(copy, '');
  rmSync(copy);
  spawnSync('cp', [file, copy]);
  return countRows(dir).events;
}

describe('upgrading a database created with schema version 1', () => {
  // Exactly what the issue-#2 server (commit 16a19cc) stored for its default standards.
  const V1_STANDARDS = [
    { id: 'call-answer-2-rings', version: 1, name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3' },
    { id: 'visit-greet-30s', version: 1, name: 'Visitors greeted within 30 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 30, target: 0.9, formula: 'F3' },
  ];

  it('keeps every event and judgement and moves to the latest schema', async () => {
    const dir = dataDir();
    mkdirSync(dir, { recursive: true });
    // openDatabase would migrate to the latest; build the old file by hand with migration 1 only.
    const db = openSqliteFile(join(dir, 'ringside.db'));
    db.pragma('journal_mode = WAL');
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    const now = Date.now();
    db.prepare("INSERT INTO sites VALUES ('old-site', 'UTC', 6, ?)").run(now);
    for (const s of V1_STANDARDS) db.prepare('INSERT INTO standards VALUES (?, 1, ?, ?)').run(s.id, JSON.stringify(s), now);
    const at = new Date(now - 30 * 60_000);
    const insert = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, derived, content)
      VALUES (?, ?, 'old-site', ?, ?, ?, ?, ?, ?, ?, '[]', ?)`);
    const judge = db.prepare('INSERT INTO judgements VALUES (?, ?, 1, ?, ?, ?, ?, ?)');
    const rows: Array<[string, 'call' | 'visit', string, number | null, number | null, number | null, boolean]> = [
      ['old-1', 'call', 'answered', 1, 0, null, true],
      ['old-2', 'call', 'answered', 4, 18, null, false],
      ['old-3', 'visit', 'greeted', null, null, 12, true],
    ];
    for (const [id, type, outcome, rings, answer, greet, met] of rows) {
      const seq = Number(insert.run(id, type, at.getTime(), at.toISOString(), now, outcome, rings, answer, greet, JSON.stringify({ id, type })).lastInsertRowid);
      const std = type === 'call' ? V1_STANDARDS[0]! : V1_STANDARDS[1]!;
      judge.run(seq, std.id, std.measure, type === 'call' ? rings : greet, std.threshold, met ? 1 : 0, null);
    }
    db.close();

    const server = await startTestServer({ dataDir: dir });
    try {
      const report = await server.getJson(`/api/v1/compliance?from=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}`);
      expect(report.status).toBe(200);
      const byId = Object.fromEntries(report.body.standards.map((s: any) => [s.standardId ?? s.id, s]));
      expect(byId['call-answer-2-rings']).toMatchObject({ total: 2, met: 1 });
      expect(byId['visit-greet-30s']).toMatchObject({ total: 1, met: 1 });
      // New rows can still be added next to the old ones; keys (migration 4) work.
      expect((await server.postEvents(call({ id: 'new-1' }))).status).toBe(201);
      expect((await server.getJson('/api/v1/keys')).status).toBe(200);
    } finally {
      await server.close();
    }
    const after = openDatabase(dir);
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect((after.prepare("SELECT COUNT(*) AS n FROM events WHERE id LIKE 'old-%'").get() as { n: number }).n).toBe(3);
      expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      after.close();
    }
  });
});

describe('a read-only or full data folder', () => {
  const tmpfs = useTmpfs();
  let mountPoint: string | null = null;
  let why = '';
  beforeAll(() => {
    mountPoint = tmpfs.mountPoint();
    why = tmpfs.why();
  });

  it('refuses to start on a read-only data folder with a clear message, leaving the database intact', async (ctx) => {
    if (!mountPoint) return ctx.skip(why);
    // A mounted file system cannot be remounted read-only while the server holds files open for writing,
    // so the read-only case is tested at start (the runtime case is the full disk below: same 503 path).
    buildServer();
    const dir = join(mountPoint, 'ro');
    const server = await startTestServer({ dataDir: dir });
    expect((await server.postEvents(call({ id: 'before-ro' }))).status).toBe(201);
    await server.close();
    expect(spawnSync('mount', ['-o', 'remount,ro', mountPoint]).status).toBe(0);
    try {
      const r = spawnSync(process.execPath, [mainJs, '--port', '0', '--data', dir], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, RINGSIDE_API_KEY: 'rs_ro-test-key-0123456789abcdef' } });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/could not start: .*read-only/);
    } finally {
      expect(spawnSync('mount', ['-o', 'remount,rw', mountPoint]).status).toBe(0);
    }
    const db = openDatabase(dir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT id FROM events').all() as Array<{ id: string }>).map((r) => r.id)).toEqual(['before-ro']);
    } finally {
      db.close();
    }
  });

  it('answers 503 when the disk fills, keeps every acknowledged event, and never corrupts the file', async (ctx) => {
    if (!mountPoint) return ctx.skip(why);
    const dir = join(mountPoint, 'full');
    const log = captureLog();
    const server = await startTestServer({ dataDir: dir, rateLimit: false, logLevel: 'warn' });
    const acked: string[] = [];
    let full = null as null | { status: number; body: any };
    try {
      for (let b = 0; b < 400 && !full; b++) {
        const events = Array.from({ length: 50 }, (_, i) => call({ id: `full-${b}-${i}`, agent: 'a'.repeat(150), queue: 'q'.repeat(150) }));
        const res = await server.postEvents({ events });
        if (res.status === 201) acked.push(...events.map((e) => (e as { id?: string }).id!));
        else full = res;
      }
      expect(full, 'the 3 MB tmpfs never filled').not.toBeNull();
      expect(full!.status).toBe(503);
      expect(full!.body.detail).toMatch(/full|could not be written/);
      expect(acked.length).toBeGreaterThan(0);
      // An expected condition, logged once: the request's own line says why, with no stack trace.
      const errors = log.lines().filter((l) => l.level >= 50);
      expect(errors).toEqual([expect.objectContaining({ msg: 'request', status: 503, error: expect.stringMatching(/^storage unavailable: the data folder is full/) })]);
      expect(JSON.stringify(errors)).not.toContain('stack');
    } finally {
      await server.close();
      log.stop();
    }
    rmSync(join(dir, '..', 'ro'), { recursive: true, force: true }); // room for recovery
    const db = openDatabase(dir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set((db.prepare('SELECT id FROM events').all() as Array<{ id: string }>).map((r) => r.id));
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.size).toBe(acked.length); // the refused batch left nothing behind
    } finally {
      db.close();
    }
    expect(existsSync(join(dir, 'ringside.db'))).toBe(true);
  });
});
