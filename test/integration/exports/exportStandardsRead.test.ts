// An export reads the stored standard versions once, on both backends, though several of its parts name them: the
// versions in force for its rows, the restated versions of its first line, the `# standard` records after its rows,
// and (the audit report) when each version was created. The files themselves are covered byte for byte elsewhere
// (export.test.ts, exportGolden.test.ts, auditReport.test.ts); this counts the reads of one snapshot.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../../server/src/services/audit';
import { ExportService } from '../../../server/src/services/exports/index';
import type { ExportKind, ExportQuery } from '../../../server/src/services/exports/query';
import { SigningIdentity } from '../../../server/src/services/signing';
import type { Snapshot, Store } from '../../../server/src/store/port';
import { openTestCore } from '../support/core';
import { testDatabases } from '../support/postgres';
import { call, removeDir, tempDataDir } from '../support/testServer';

const DAY = 86_400_000;
const T0 = Date.parse('2026-04-10T00:00:00Z');
const databases = testDatabases();
afterAll(() => databases.dropAll());

/** `snapshot` with each read of its stored standard versions counted in `reads.count`. */
function counting(snapshot: Snapshot, reads: { count: number }): Snapshot {
  return new Proxy(snapshot, {
    get(target, prop) {
      if (prop === 'standards') return { ...target.standards, all: () => ((reads.count += 1), target.standards.all()) };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A stream that keeps what is written to it, as text. */
function collecting(): { out: Writable; text: () => string } {
  let text = '';
  return { out: new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) }), text: () => text };
}

describe.each([
  ['SQLite', async () => undefined],
  ['PostgreSQL', () => databases.create()],
])('an export reads the stored standard versions once (%s)', (_backend, databaseUrl) => {
  it('compliance, events and the audit report, with restatements to name', async () => {
    const dataDir = tempDataDir();
    let nowMs = T0 - 3.5 * DAY;
    const now = () => nowMs;
    const url = await databaseUrl();
    const core = await openTestCore(dataDir, { now, ...(url ? { databaseUrl: url } : {}) });
    try {
      const posted = (id: string, atMs: number) => core.ingest.ingestMany([{ items: [call({ id, site: 'north', occurredAt: new Date(atMs).toISOString(), rings: 1 })], sites: null }]);
      expect((await posted('before', T0 - 4 * DAY))[0]!.kind).toBe('stored');
      // Stored after the range ended, dated in it: the exports' first line restates it (and reads the versions for that).
      nowMs = T0;
      expect((await posted('late', T0 - 3 * DAY))[0]!.kind).toBe('stored');

      const reads = { count: 0 };
      const store: Store = { reads: core.store.reads, coordination: core.store.coordination, write: (fn) => core.store.write(fn), snapshot: (fn) => core.store.snapshot((s) => fn(counting(s, reads))), writable: () => core.store.writable(), close: () => core.store.close() };
      const exports = new ExportService(store, core.standards, new AuditService(store, dataDir), { serverVersion: 'test', now, identity: SigningIdentity.open(dataDir, T0), organisation: null, timestamps: null, logger: { error: () => undefined } });
      const q = (format: ExportQuery['format']): ExportQuery => ({
        fromMs: T0 - 5 * DAY, toMs: T0 - 2 * DAY, sites: [], standards: [], outcomes: [], format, timeZone: 'UTC', period: 'day', proof: 'chain', since: null, asOf: null,
      });
      const requester = { keyId: 'test', keyName: null };

      for (const kind of ['compliance', 'events'] as ExportKind[]) {
        reads.count = 0;
        const file = collecting();
        await exports.stream(kind, q('ndjson'), file.out, requester, () => undefined);
        expect(file.text()).toMatch(/"restatements":/);
        expect(file.text()).toMatch(/"standard"/);
        expect([kind, reads.count]).toEqual([kind, 1]);
      }

      reads.count = 0;
      await exports.report(q('html'), requester);
      expect(reads.count).toBe(1);
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});
