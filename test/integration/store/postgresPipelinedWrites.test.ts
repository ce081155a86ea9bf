// A batch of events on PostgreSQL is written on a pipelined connection: the judgements, chain links and rollup rows
// are sent without waiting for each answer. A statement that fails anywhere in that run must still fail the whole
// request with its own error, leave nothing of it behind, and leave the store writable with an intact chain.
// Each failure is provoked by a NOT VALID check constraint that only the new batch's rows break.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { isUnavailable } from '../../../server/src/domain/errors';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { AuditService } from '../../../server/src/services/audit';
import { StandardsService } from '../../../server/src/services/standards';
import { postgresBackend } from '../../../server/src/store/postgres';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_pipelined');
afterAll(() => databases.dropAll());

/** `n` calls and visits over three sites, each with its own id, occurring in the last hour. */
function batch(n: number, from: number): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    const common = { id: `pipelined-${k}`, site: `site-${k % 3}`, occurredAt: new Date(now - ((k * 37_000) % 3_600_000)).toISOString() };
    return k % 2 === 0 ? { ...common, type: 'call', outcome: 'answered', rings: 1 + (k % 4) } : { ...common, type: 'visit', outcome: 'greeted', greetSeconds: k % 60 };
  });
}

it('a statement failing in the pipelined run fails the request with its error and keeps nothing of it', async () => {
  const url = await databases.create();
  const dataDir = mkdtempSync(join(tmpdir(), 'ringside-pipelined-'));
  const store = await postgresBackend({ url }).open({ dataDir });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const standards = await StandardsService.open(store, DEFAULT_STANDARDS, Date.now);
    const ingest = new IngestService({ store, standards, timeZone: 'UTC' });
    const counts = async () =>
      (
        await admin.query<{ events: string; judgements: string; links: string; judged: string }>(
          'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM judgements) AS judgements, (SELECT count(*) FROM audit_chain) AS links, (SELECT coalesce(sum(judged), 0) FROM rollup_15m) AS judged',
        )
      ).rows[0];

    expect((await ingest.ingestMany([{ items: batch(60, 0), sites: null }]))[0]).toMatchObject({ kind: 'stored' });
    const before = await counts();
    expect(before).toMatchObject({ events: '60', judgements: '60', judged: '60' });

    const breaks = [
      { table: 'events', check: "type <> 'visit'" },
      { table: 'judgements', check: "measure <> 'greetSeconds'" },
      { table: 'audit_chain', check: "kind <> 'judgement'" },
      { table: 'rollup_15m', check: 'judged < 0' },
      { table: 'value_hist_15m', check: 'n < 0' },
    ];
    for (const [i, { table, check }] of breaks.entries()) {
      await admin.query(`ALTER TABLE ${table} ADD CONSTRAINT pipelined_break CHECK (${check}) NOT VALID`);
      const [outcome] = await ingest.ingestMany([{ items: batch(60, 1_000 * (i + 1)), sites: null }]);
      expect(outcome, table).toMatchObject({ kind: 'error' });
      expect(String((outcome as { error: Error }).error.message), table).toContain('pipelined_break');
      expect(await counts(), table).toEqual(before);
      await admin.query(`ALTER TABLE ${table} DROP CONSTRAINT pipelined_break`);
    }

    expect((await ingest.ingestMany([{ items: batch(60, 10_000), sites: null }]))[0]).toMatchObject({ kind: 'stored' });
    expect(await counts()).toMatchObject({ events: '120', judgements: '120', judged: '120' });
    const verified = await new AuditService(store, dataDir).verify();
    expect(verified.intact).toBe(true);
    expect(verified.records).toBe(Number((await counts())!.links));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await admin.end();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a batch that creates a site fails with the error of the statement that failed: a full disk under the events INSERT is unavailable (503), not "transaction aborted"', async () => {
  const url = await databases.create();
  const dataDir = mkdtempSync(join(tmpdir(), 'ringside-pipelined-'));
  const store = await postgresBackend({ url }).open({ dataDir });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const standards = await StandardsService.open(store, DEFAULT_STANDARDS, Date.now);
    const ingest = new IngestService({ store, standards, timeZone: 'UTC' });
    expect((await ingest.ingestMany([{ items: batch(3, 0), sites: null }]))[0]).toMatchObject({ kind: 'stored' });
    // What PostgreSQL answers when it cannot extend a table's file (SQLSTATE 53100, disk full).
    await admin.query(`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$`);
    await admin.query('CREATE TRIGGER full_disk BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION full_disk()');
    const newSite = batch(2, 100).map((item) => ({ ...(item as object), site: 'brand-new' }));
    for (const items of [batch(2, 200), newSite]) {
      // Unavailable fails the whole group (nothing is stored, the server answers 503); anything else fails the request.
      const error = await ingest.ingestMany([{ items, sites: null }]).then(([outcome]) => (outcome as { error?: unknown }).error ?? outcome, (e: unknown) => e);
      expect(isUnavailable(error), String(error)).toBe(true);
    }
    await admin.query('DROP TRIGGER full_disk ON events');
    expect((await ingest.ingestMany([{ items: newSite, sites: null }]))[0]).toMatchObject({ kind: 'stored' });
    expect((await new AuditService(store, dataDir).verify()).intact).toBe(true);
  } finally {
    await admin.end();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
