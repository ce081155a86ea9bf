// Concurrent POSTs, one of whose transactions the database gives up (SQLite does so on a full disk or an I/O error;
// here a trigger's RAISE(ROLLBACK) does the same on a real file): that request is answered 503 (try again), not
// 500; exactly what was answered as stored is stored, whichever requests shared its group; and the server goes on
// storing afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { verifyDir } from '../support/core';
import { call, useTestServer } from '../support/testServer';

const server = useTestServer();
beforeAll(async () => {
  const db = openSqliteFile(`${server().dataDir}/ringside.db`);
  db.exec("CREATE TRIGGER abandon_doomed BEFORE INSERT ON events WHEN NEW.site = 'doomed' BEGIN SELECT RAISE(ROLLBACK, 'the database gave up the transaction'); END");
  db.close();
});

function storedIds(): string[] {
  const db = openSqliteFile(`${server().dataDir}/ringside.db`, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM events ORDER BY id').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

describe('a write the database abandons', () => {
  it('is answered 503, keeps exactly what was acknowledged, and later posts are stored', async () => {
    const fine: Array<Record<string, unknown>> = Array.from({ length: 6 }, (_, i) => call({ id: `fine-${i}`, rings: 1, site: 'north' }));
    const bodies: Array<Record<string, unknown>> = [...fine.slice(0, 3), call({ id: 'doomed-1', rings: 1, site: 'doomed' }), ...fine.slice(3)];
    const answers = await Promise.all(bodies.map((b) => server().postEvents(b)));
    const acknowledged = answers.flatMap((a, i) => (a.status < 300 ? [bodies[i]!.id as string] : []));
    expect(answers[3]!.status).toBe(503);
    expect(answers[3]!.body).toMatchObject({ status: 503 });
    // Whatever was answered as stored is stored, and nothing else is.
    expect(storedIds()).toEqual(acknowledged.sort());

    const again = await Promise.all(fine.map((b) => server().postEvents(b)));
    expect(again.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    expect(storedIds()).toEqual(fine.map((b) => b.id as string).sort());
    expect((await verifyDir(server().dataDir)).intact).toBe(true);
  });
});
