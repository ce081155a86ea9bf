// Migration 13 rebuilds the events table (SQLite cannot drop its type CHECK in place): every seq kept, and the
// AUTOINCREMENT memory too, so a seq given out before (to events pruned since) is never given out again; and the
// table then takes events of any registered type with their measures.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { removeDir, tempDataDir } from '../support/testServer';
import { createAt, fillAt } from './pastVersions';

const dir = tempDataDir();
afterAll(() => removeDir(dir));

describe('migration 13', () => {
  it('keeps every event and the highest seq ever given out, and accepts events of other types', () => {
    const old = createAt(dir, 12);
    fillAt(old, 12, 12);
    const events = old.prepare('SELECT * FROM events ORDER BY seq').all();
    const highest = (old.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number }).seq;
    // As if the newest events had been given out and then pruned: the next seq must still come after them.
    old.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(highest + 5);
    old.close();

    const db = openDatabase(dir);
    try {
      expect(db.prepare('SELECT seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content FROM events ORDER BY seq').all()).toEqual(events);
      const added = db
        .prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, content, measures)
          SELECT 'complaint-1', 'complaint', site, 0, '1970-01-01T00:00:00Z', 0, 'followedUp', '{}', '{"acknowledgeSeconds":60}' FROM events LIMIT 1 RETURNING seq`)
        .get() as { seq: number };
      expect(added.seq).toBe(highest + 6);
      expect(() => db.prepare("UPDATE events SET outcome = 'x' WHERE seq = ?").run(added.seq)).toThrow(/append-only/);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});
