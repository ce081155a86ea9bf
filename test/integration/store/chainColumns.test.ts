// Verification rebuilds every record from its stored columns, however a backend reads them (SQLite one pass with the
// kind's columns in one set, PostgreSQL one scan per kind merged by seq): each column of each record kind, altered
// on its own in the stored row, is named at that record's link, on both backends; put back, the chain is intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAIN_KINDS, type ChainKind } from '../../../server/src/domain/chain';
import { planCorrection, statesOf, type CorrectionInput } from '../../../server/src/domain/corrections';
import { checkpointHmac } from '../../../server/src/domain/retention';
import { defaultSite } from '../../../server/src/domain/sites';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { verifyChain } from '../../../server/src/domain/verify';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { postgresBackend } from '../../../server/src/store/postgres';
import type { Store } from '../../../server/src/store/port';
import { CHAIN_TABLES } from '../../../server/src/store/sqlite/chain';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { storeBackend } from '../../../server/src/storeBackend';
import { testDatabases } from '../support/postgres';

const T = Date.parse('2026-04-01T10:00:00Z');
const SECRET = Buffer.alloc(32, 7);
const CALLS = DEFAULT_STANDARDS[0]!;

/** Raw access to the stored rows, with the append-only triggers and foreign keys out of the way (as an attacker's). */
interface Tamper {
  all(sql: string, params?: unknown[]): Promise<unknown[][]>;
  run(sql: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** One record of every kind the store writes (links of kind `tags` are written only by migration 17, for old links). */
async function writeEveryKind(store: Store): Promise<void> {
  const event = (id: string, occurredAtMs: number) =>
    prepareEvent({ id, type: 'call', site: 'north', occurredAt: new Date(occurredAtMs).toISOString(), outcome: 'answered', rings: 3, queue: 'q1' }, { standardsAt: () => DEFAULT_STANDARDS, site: defaultSite('north', 'UTC'), receivedAtMs: T });
  await store.write((tx) => Promise.all(DEFAULT_STANDARDS.map((s) => tx.writes.standardVersion({ id: s.id, version: 1, definition: s, validFromMs: null, retired: false }))));
  await store.write(async (tx) => {
    await tx.writes.standardVersion({ id: CALLS.id, version: 2, definition: { ...CALLS, threshold: 3 }, validFromMs: T + 86_400_000, retired: false });
    await tx.writes.standardWithdrawal(CALLS.id, 2);
  });
  await store.write((tx) => tx.writes.events([event('old', T - 10 * 86_400_000)]));
  await store.write((tx) => tx.writes.prune(T - 86_400_000, (fields) => checkpointHmac(SECRET, fields)));
  await store.write((tx) => tx.writes.events([event('e1', T - 60_000)]));
  await store.write((tx) => tx.writes.site({ ...defaultSite('west', 'UTC'), autoCreated: false }, 'created'));
  await store.write(async (tx) => {
    const subject = (await tx.events.correctionSubject('e1'))!;
    const c: CorrectionInput = { action: 'amend', reason: 'miscounted', changes: { rings: 1 } };
    const { changes, after } = planCorrection(subject.event, statesOf(subject.recorded, subject.corrections).at(-1)!, c, { versions: () => [{ ...CALLS, validTo: null, createdAt: '', validFrom: null }], ringCycleSeconds: 6 });
    return tx.writes.correction(subject, { eventSeq: subject.event.seq, action: c.action, changes, rejudged: after.judgements, reason: c.reason, keyId: 'k', atMs: tx.nowMs }, after);
  });
  await store.write((tx) => tx.writes.auditLog({ keyId: 'k', action: 'test.log', target: 'x', details: { a: 1 } }));
  const key = { type: 'call', site: 'north', caseId: 'c1' };
  const m = { id: 'c1/started', ...key, milestone: 'started', at: new Date(T - 30_000).toISOString(), agent: 'a1', queue: 'q1', handleSeconds: 12 };
  await store.write((tx) => tx.writes.milestones([{ milestone: m, atMs: T - 30_000, receivedAtMs: T, content: JSON.stringify(m), siteDefaults: { timeZone: 'UTC', ringCycleSeconds: 6 } }]));
  await store.write((tx) => tx.writes.caseJudgement(key, { standardId: CALLS.id, standardVersion: 1, measure: 'rings', value: 3, threshold: 2, met: false, counted: true, reason: 'deadline' }));
}

/** Other values the CHECK constraints allow, for the enumerated text columns (a site change, a correction's action). */
const ALLOWED_OTHER: Record<string, string> = { created: 'updated', amend: 'void' };

/** A different value of the same type: a number moved (0 and 1 swapped, for flag columns), text changed, null given one. */
const altered = (v: unknown): unknown => (typeof v === 'number' ? (v === 0 ? 1 : v === 1 ? 0 : v + 1) : typeof v === 'string' ? (ALLOWED_OTHER[v] ?? `${v}x`) : '7');

function describeColumns(backend: string, open: () => Promise<{ store: Store; tamper: () => Promise<Tamper> }>): void {
  it(`${backend}: every column of every record kind, altered, is named at its record's link`, async () => {
    const { store, tamper: openTamper } = await open();
    const db = await openTamper();
    const verify = () => store.snapshot(async (s) => verifyChain({ links: s.chain.links(), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained() }, SECRET));
    try {
      await writeEveryKind(store);
      expect(await verify()).toMatchObject({ intact: true, problems: [] });
      const kinds = CHAIN_KINDS.map((k) => k.kind).filter((k) => k !== 'tags');
      const tampered: string[] = [];
      for (const kind of kinds as ChainKind[]) {
        const { table, columns, join } = CHAIN_TABLES[kind];
        // The last link of the kind whose record is stored, and that record's row (the link's own join).
        const where = `EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = ? AND ${join.replaceAll('t.', `${table}.`)})`;
        const [link] = await db.all(`SELECT c.seq, c.ref FROM audit_chain c JOIN ${table} t ON ${join} WHERE c.kind = '${kind}' ORDER BY c.seq DESC LIMIT 1`);
        expect(link, `a stored ${kind} record`).toBeDefined();
        const [seq, ref] = [Number(link![0]), String(link![1])];
        const [row] = await db.all(`SELECT ${columns.join(', ')} FROM ${table} WHERE ${where}`, [seq]);
        for (const [n, column] of columns.entries()) {
          const original = row![n];
          await db.run(`UPDATE ${table} SET ${column} = ? WHERE ${where}`, [altered(original), seq]);
          // A key column moved off its link leaves the link without its record; any other column, a record that differs.
          const rekeyed = join.includes(`t.${column} `);
          // (A checkpoint's signed fields also fail its HMAC, named before the links.)
          const { problems } = await verify();
          expect(problems, `${kind}.${column}`).toContainEqual({ seq, kind, ref, problem: expect.stringMatching(rekeyed ? /is missing/ : /does not match its chain digest/) });
          const back = rekeyed ? `${table}.${column} = ?` : where;
          await db.run(`UPDATE ${table} SET ${column} = ? WHERE ${back}`, rekeyed ? [original, altered(original)] : [original, seq]);
          tampered.push(`${kind}.${column}`);
        }
      }
      expect(await verify()).toMatchObject({ intact: true, problems: [] });
      expect(tampered).toHaveLength(kinds.reduce((sum, k) => sum + CHAIN_TABLES[k].columns.length, 0));
    } finally {
      await db.close();
      await store.close();
    }
  });
}

describe('verification reads every stored column', () => {
  const dirs: string[] = [];
  const databases = testDatabases('ringside_chaincols');
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await databases.dropAll();
  });

  describeColumns('sqlite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringside-chaincols-'));
    dirs.push(dataDir);
    const store = await storeBackend.open({ dataDir, now: () => T });
    return {
      store,
      tamper: async () => {
        const db = openDatabase(dataDir);
        db.pragma('foreign_keys = OFF');
        for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
        return {
          all: async (sql, params = []) => db.prepare(sql).raw(true).all(...params) as unknown[][],
          run: async (sql, params) => void db.prepare(sql).run(...params),
          close: async () => void db.close(),
        };
      },
    };
  });

  describeColumns('postgres', async () => {
    const url = await databases.create();
    const store = await postgresBackend({ url }).open({ dataDir: '(unused)', now: () => T });
    return {
      store,
      tamper: async () => {
        // Numbers as numbers (the store reads int8 so too), to alter them as such.
        const types = { getTypeParser: ((oid: number, format?: 'text') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser };
        const client = new pg.Client({ connectionString: url, types });
        await client.connect();
        // Triggers (append-only rules, foreign keys) fire only for sessions of the origin role.
        await client.query('SET session_replication_role = replica');
        const numbered = (sql: string) => sql.replace(/\?/g, ((n) => () => `$${(n += 1)}`)(0));
        return {
          all: async (sql, params = []) => (await client.query({ text: numbered(sql), values: params, rowMode: 'array' })).rows as unknown[][],
          run: async (sql, params) => void (await client.query(numbered(sql), params)),
          close: () => client.end(),
        };
      },
    };
  });
});
