// Group commit (services/ingest/groupCommit.ts): single-event POSTs that arrive together share one transaction and
// one fsync, each still answered on its own. Many concurrent POSTs — valid ones, an invalid one, one reusing a stored
// id with other content, an exact retry — each get their own answer, and exactly the acknowledged events are stored,
// judged and chained (the refused requests leave nothing, and take nothing of the others with them).
import { describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { verifyDir } from '../support/core';
import { call, useTestServer } from '../support/testServer';

const server = useTestServer();

describe('concurrent single-event POSTs (group commit)', () => {
  it('answers each on its own and stores exactly the acknowledged ones', async () => {
    const stored = call({ id: 'kept', rings: 1 });
    expect((await server().postEvents(stored)).status).toBe(201);
    const valid = Array.from({ length: 48 }, (_, i) => call({ id: `g-${i}`, rings: 1 + (i % 4), site: `site-${i % 3}` }));
    const bodies = [...valid.slice(0, 20), call({ id: 'bad', rings: -1 }), stored, call({ id: 'kept', rings: 3 }), ...valid.slice(20)];
    const answers = await Promise.all(bodies.map((b) => server().postEvents(b)));

    expect(answers.map((a) => a.status)).toEqual([...valid.slice(0, 20).map(() => 201), 400, 200, 409, ...valid.slice(20).map(() => 201)]);
    expect(answers[20]!.body.errors).toEqual([{ path: 'rings', message: expect.any(String) }]);
    expect(answers[21]!.body.results[0]).toMatchObject({ id: 'kept', duplicate: true });
    expect(answers[22]!.body.errors[0].path).toBe('id');
    const acknowledged = answers.filter((a) => a.status === 201).map((a) => a.body.results[0] as { id: string; seq: number });
    expect(acknowledged).toHaveLength(valid.length);

    const db = openSqliteFile(`${server().dataDir}/ringside.db`, { readonly: true });
    try {
      const rows = db.prepare("SELECT e.id, e.seq, COUNT(j.event_seq) AS judged FROM events e LEFT JOIN judgements j ON j.event_seq = e.seq WHERE e.id <> 'kept' GROUP BY e.seq ORDER BY e.seq").all() as Array<{ id: string; seq: number; judged: number }>;
      expect(rows.map((r) => [r.id, r.seq]).sort()).toEqual(acknowledged.map((a) => [a.id, a.seq]).sort());
      expect(rows.every((r) => r.judged === 1)).toBe(true);
      const links = db.prepare("SELECT COUNT(*) AS n FROM audit_chain WHERE kind = 'event' AND event_seq IN (SELECT seq FROM events WHERE id <> 'kept')").get() as { n: number };
      expect(links.n).toBe(valid.length);
    } finally {
      db.close();
    }
    expect((await verifyDir(server().dataDir)).intact).toBe(true);
  });

  it('writes a group without a conflict as one batch, each request answered with its own records', async () => {
    const stored = call({ id: 'm-kept', rings: 2 });
    expect((await server().postEvents(stored)).status).toBe(201);
    // New sites, events without an id, an invalid one, a retry of a stored event, and the same new event posted
    // twice in the group: the first is stored (201), the second answers it (200, duplicate).
    const valid: Array<Record<string, unknown>> = Array.from({ length: 24 }, (_, i) => call({ ...(i % 2 ? { id: `m-${i}` } : {}), rings: 1 + (i % 4), site: `merged-${i % 5}` }));
    const twice: Record<string, unknown> = call({ id: 'm-twice', rings: 1 });
    const bodies = [...valid.slice(0, 10), call({ id: 'm-bad', rings: -1 }), stored, twice, twice, ...valid.slice(10)];
    const answers = await Promise.all(bodies.map((b) => server().postEvents(b)));

    expect(answers.map((a) => a.status)).toEqual([...valid.slice(0, 10).map(() => 201), 400, 200, 201, 200, ...valid.slice(10).map(() => 201)]);
    expect(answers[11]!.body.results[0]).toMatchObject({ id: 'm-kept', duplicate: true });
    expect(answers[13]!.body.results[0]).toMatchObject({ id: 'm-twice', seq: answers[12]!.body.results[0].seq, duplicate: true });
    const fresh = answers.filter((a) => a.status === 201).map((a) => a.body.results[0] as { id: string; seq: number; event: { site: string; rings: number }; judgements: unknown[] });
    expect(fresh).toHaveLength(valid.length + 1);
    // Each answer is its own request's event, as stored.
    for (const [i, body] of [...valid.slice(0, 10), twice, ...valid.slice(10)].entries()) {
      expect(fresh[i]!.event).toMatchObject({ site: body.site, rings: body.rings });
      if (body.id !== undefined) expect(fresh[i]!.id).toBe(body.id);
      expect(fresh[i]!.judgements).toHaveLength(1);
    }

    const db = openSqliteFile(`${server().dataDir}/ringside.db`, { readonly: true });
    try {
      const seqs = fresh.map((f) => f.seq);
      const rows = db.prepare(`SELECT e.id, e.seq, e.site, COUNT(j.event_seq) AS judged FROM events e LEFT JOIN judgements j ON j.event_seq = e.seq WHERE e.seq IN (${seqs.join(',')}) GROUP BY e.seq`).all() as Array<{ id: string; seq: number; judged: number }>;
      expect(rows.map((r) => [r.id, r.seq]).sort()).toEqual(fresh.map((f) => [f.id, f.seq]).sort());
      expect(rows.every((r) => r.judged === 1)).toBe(true);
      expect((db.prepare("SELECT COUNT(*) AS n FROM events WHERE id = 'm-bad'").get() as { n: number }).n).toBe(0);
      expect((db.prepare("SELECT COUNT(*) AS n FROM sites WHERE name LIKE 'merged-%'").get() as { n: number }).n).toBe(5);
    } finally {
      db.close();
    }
    expect((await verifyDir(server().dataDir)).intact).toBe(true);
  });
});
