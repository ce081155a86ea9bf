// Migration 2 on a database written before it: old judgements count (they were F3), the defaults
// keep version 1, and the rollups are backfilled from the existing events.
import { afterAll, describe, expect, it } from 'vitest';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { removeDir, tempDataDir } from '../support/testServer';
import { startEngineServer } from './support';

const dir = tempDataDir();
afterAll(() => removeDir(dir));

describe('migration 2', () => {
  it('upgrades a version-1 file with data', async () => {
    const db = openRawDatabase(dir);
    migrate(db, MIGRATIONS.slice(0, 1));
    const v1 = { id: 'call-answer-2-rings', version: 1, name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3' };
    db.prepare('INSERT INTO standards VALUES (?, 1, ?, 0)').run(v1.id, JSON.stringify(v1));
    db.prepare("INSERT INTO sites VALUES ('old', 'UTC', 6, 0)").run();
    const ins = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, content)
      VALUES (?, 'call', 'old', ?, ?, 0, ?, ?, ?, '{}')`);
    const jud = db.prepare("INSERT INTO judgements VALUES (?, 'call-answer-2-rings', 1, 'rings', ?, 2, ?, ?)");
    const t = Date.parse('2026-01-05T10:00:00Z');
    [
      [1, 'answered', 1, 0, 1, null],
      [2, 'answered', 3, 12, 0, null],
      [3, 'abandoned', 1, 4, 0, 'abandoned'],
    ].forEach(([seq, outcome, rings, secs, met, reason]) => {
      ins.run(`e${seq}`, t + Number(seq) * 60_000, new Date(t + Number(seq) * 60_000).toISOString(), outcome, rings, secs);
      jud.run(seq, rings, met, reason);
    });
    db.close();

    const server = await startEngineServer({ dataDir: dir });
    try {
      const fig = (await server.getJson('/api/v1/compliance?standard=call-answer-2-rings&from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z')).body.standards[0];
      expect([fig.numerator, fig.denominator, fig.formula]).toEqual([1, 3, 'F3']);
      expect(fig.versions).toEqual([expect.objectContaining({ version: 1, numerator: 1, denominator: 3 })]);
      expect(fig.companions).toMatchObject({ considered: 3, abandoned: 1, longestWaitSeconds: 12 });
      const std = (await server.send('GET', '/api/v1/standards/call-answer-2-rings')).body;
      expect(std).toMatchObject({ version: 1, validFrom: null, bands: { green: 0.9, amber: 0.85 }, countOutsideHours: false });
      expect((await server.send('GET', '/api/v1/sites/old')).body).toMatchObject({ id: 'old', timeZone: 'UTC', hours: null, autoCreated: true });
    } finally {
      await server.close();
    }
  });
});
