// Data survives a restart with the same data directory; the file is a real, migrated SQLite database.
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestResponse } from '../../../server/src/protocol';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { countRows } from '../support/database';
import { call, removeDir, startTestServer, tempDataDir, visit } from '../support/testServer';

const dataDir = tempDataDir();
afterAll(() => removeDir(dataDir));

const WINDOW = '/api/v1/compliance?from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z';

describe('restart with the same data directory', () => {
  it('keeps events, figures, ids and the sequence', async () => {
    const first = await startTestServer({ dataDir });
    const kept = call({ id: 'kept-1', occurredAt: '2026-02-01T08:00:00Z', rings: 1 });
    const posted = await first.postEvents({ events: [kept, visit({ occurredAt: '2026-02-01T08:01:00Z', greetSeconds: 99 })] });
    const before = (await first.getJson(WINDOW)).body;
    await first.close();
    expect(countRows(dataDir)).toEqual({ events: 2, judgements: 2 });

    const second = await startTestServer({ dataDir });
    try {
      expect((await second.getJson(WINDOW)).body.standards).toEqual(before.standards);
      const retry = await second.postEvents(kept);
      expect(retry.status).toBe(200);
      expect((retry.body as IngestResponse).results[0]).toEqual({ ...(posted.body as IngestResponse).results[0], duplicate: true });
      const next = await second.postEvents(call({ occurredAt: '2026-02-01T09:00:00Z' }));
      expect((next.body as IngestResponse).results[0]!.seq).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('leaves a WAL-mode database at the latest schema version, with full sync and append-only history', () => {
    const db = openDatabase(dataDir);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY: savepoint journals of group commit
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect(() => db.prepare("UPDATE events SET site = 'elsewhere'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM judgements').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});
