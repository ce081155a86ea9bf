// GET /audit/verify checks the tables derived from chained records as well as the chain: a sites row edited outside
// Ringside (its zone judges new events and zones reports) is named with the setting that differs from its latest
// chained site record, and a rollup row or value-histogram cell edited outside Ringside (what GET /compliance, the
// dashboard and the live compliance export read) is named with its key and both figures, the stored one and the one
// its judgements give, corrections applied. A real server on SQLite and on PostgreSQL (the integration-postgres
// project), the store edited directly as an auditor's trial would, on a test clock.
import { describe, expect, it } from 'vitest';
import { storeSql, tamper as tamperStore } from '../support/outsideEdits';
import { testClock } from '../support/testClock';
import { adminHeaders, useTestServer } from '../support/testServer';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const clock = testClock(T0);
const server = useTestServer({ clock });

/** Runs SQL (`?` placeholders) on the server's store directly, outside Ringside. */
const sql = (text: string, args: unknown[] = []) => storeSql(server().dataDir, text, args);
/** Updates an append-only table of the server's store past its guard triggers. */
const tamper = (table: string, set: string, where: string, args: unknown[]) => tamperStore(server().dataDir, table, set, where, args);

const send = async (method: string, path: string, body: unknown) => {
  const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const verify = async () => (await server().getJson('/api/v1/audit/verify')).body;

const call = (id: string, minute: number, fields: Record<string, unknown>) => ({ id, type: 'call', site: 'harbour', occurredAt: iso(T0 - 3 * 3_600_000 + minute * 60_000), rings: 1, ...fields });

describe('verification of derived tables', () => {
  it('is intact on an untouched store after a site change, a void and amendments', async () => {
    const events = [
      ...Array.from({ length: 6 }, (_, i) => call(`a${i}`, i * 7, { outcome: 'answered', answerSeconds: 5 + i * 10 })),
      call('b0', 70, { outcome: 'abandoned' }),
      call('b1', 75, { outcome: 'answered', answerSeconds: 90 }),
    ];
    // A standard of the answer time, beside the built-in one of rings: amendments of the wait change its values.
    expect((await send('POST', '/standards', { id: 'harbour-20s', name: 'Harbour calls within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8 })).status).toBe(201);
    expect((await server().postEvents({ events })).status).toBe(201);
    expect((await send('PATCH', '/sites/harbour', { timeZone: 'Europe/London' })).status).toBe(200);
    // A void, an amendment of the outcome (the wait taken back) and one of the wait: every contribution taken back
    // and added anew as the writer does.
    expect((await send('POST', '/events/a1/void', { reason: 'test call' })).status).toBe(201);
    expect((await send('POST', '/events/b1/amend', { reason: 'caller hung up', changes: { outcome: 'abandoned' } })).status).toBe(201);
    expect((await send('POST', '/events/a3/amend', { reason: 'mistyped', changes: { answerSeconds: 4 } })).status).toBe(201);
    expect((await send('POST', '/events/a3/amend', { reason: 'mistyped again', changes: { answerSeconds: 3 } })).status).toBe(201);
    expect(await verify()).toMatchObject({ intact: true, problems: [], moreProblems: 0 });

    // The amended b1 counts as an abandon now: its minute row, edited back to none, is named with the corrected figure.
    const minute = iso(T0 - 3 * 3_600_000 + 75 * 60_000);
    await sql("UPDATE rollup_minute SET abandoned = 0 WHERE site = 'harbour' AND standard_id = 'harbour-20s' AND bucket_ms = ?", [Date.parse(minute)]);
    try {
      const result = await verify();
      expect(result.problems).toEqual([expect.objectContaining({ kind: 'rollup_minute', cell: expect.objectContaining({ standardId: 'harbour-20s', bucketStart: minute }), differences: [{ field: 'abandoned', stored: 0, expected: 1 }] })]);
    } finally {
      await sql("UPDATE rollup_minute SET abandoned = 1 WHERE site = 'harbour' AND standard_id = 'harbour-20s' AND bucket_ms = ?", [Date.parse(minute)]);
    }
    expect((await verify()).intact).toBe(true);
  });

  it('names a sites row edited outside Ringside, with the setting and both values', async () => {
    await sql("UPDATE sites SET time_zone = 'Asia/Tokyo' WHERE name = 'harbour'");
    try {
      const result = await verify();
      expect(result.intact).toBe(false);
      expect(result.problems).toEqual([
        expect.objectContaining({ seq: 0, kind: 'sites', ref: 'harbour', site: 'harbour', differences: [{ field: 'timeZone', stored: 'Asia/Tokyo', expected: 'Europe/London' }] }),
      ]);
      expect(result.problems[0].problem).toMatch(/^the sites row of harbour differs from its latest chained site record \d+ \(timeZone: stored "Asia\/Tokyo", chained "Europe\/London"\)/);
      expect(result.message).toMatch(/^first mismatch at sites harbour: /);
    } finally {
      await sql("UPDATE sites SET time_zone = 'Europe/London' WHERE name = 'harbour'");
    }
    expect((await verify()).intact).toBe(true);
  });

  it('names a rollup row edited outside Ringside, with its key and the figure its judgements give', async () => {
    const [row] = await sql("SELECT standard_id, standard_version, bucket_ms, met FROM rollup_hour WHERE site = 'harbour' AND met > 0 ORDER BY standard_id, bucket_ms LIMIT 1");
    expect(row).toBeDefined();
    await sql('UPDATE rollup_hour SET met = 0 WHERE site = ? AND standard_id = ? AND standard_version = ? AND bucket_ms = ?', ['harbour', row!.standard_id, row!.standard_version, row!.bucket_ms]);
    try {
      const result = await verify();
      expect(result.intact).toBe(false);
      const bucketStart = iso(row!.bucket_ms as number);
      expect(result.problems).toEqual([
        expect.objectContaining({
          kind: 'rollup_hour',
          ref: `${String(row!.standard_id)}@${String(row!.standard_version)}/harbour/${bucketStart}`,
          cell: { table: 'rollup_hour', grain: 'hour', standardId: row!.standard_id, standardVersion: row!.standard_version, site: 'harbour', bucketStart },
          differences: [{ field: 'met', stored: 0, expected: row!.met }],
        }),
      ]);
    } finally {
      await sql('UPDATE rollup_hour SET met = ? WHERE site = ? AND standard_id = ? AND standard_version = ? AND bucket_ms = ?', [row!.met, 'harbour', row!.standard_id, row!.standard_version, row!.bucket_ms]);
    }
    expect((await verify()).intact).toBe(true);
  });

  it('names edited rows of every grain and histogram cells, the corrected events among them, and a deleted row', async () => {
    // The minute of the amended a3 (its value now 3 s, after a take-back and two additions) and of the voided a1.
    const minuteOf = (i: number) => T0 - 3 * 3_600_000 + i * 7 * 60_000;
    const [cell] = await sql("SELECT standard_id, standard_version, value, n FROM value_hist_15m WHERE site = 'harbour' AND standard_id = 'harbour-20s' AND value = 3");
    expect(cell).toBeDefined();
    const [minute] = await sql("SELECT standard_id, standard_version, judged FROM rollup_minute WHERE site = 'harbour' AND bucket_ms = ? ORDER BY standard_id LIMIT 1", [minuteOf(1)]);
    expect(minute).toMatchObject({ judged: 0 }); // voided: taken back to nothing, the row kept
    const [quarter] = await sql("SELECT standard_id, standard_version, bucket_ms, counted FROM rollup_15m WHERE site = 'harbour' AND counted > 0 ORDER BY standard_id, bucket_ms LIMIT 1");
    const backup = await sql("SELECT * FROM rollup_minute WHERE site = 'harbour' AND bucket_ms = ?", [minuteOf(3)]);
    expect(backup.length).toBeGreaterThan(0);

    await sql("UPDATE value_hist_15m SET n = n + 1 WHERE site = 'harbour' AND standard_id = ? AND standard_version = ? AND value = 3", [cell!.standard_id, cell!.standard_version]);
    await sql("UPDATE rollup_minute SET judged = 1, met = 1 WHERE site = 'harbour' AND bucket_ms = ? AND standard_id = ?", [minuteOf(1), minute!.standard_id]);
    await sql("UPDATE rollup_15m SET counted = counted + 5 WHERE site = 'harbour' AND standard_id = ? AND standard_version = ? AND bucket_ms = ?", [quarter!.standard_id, quarter!.standard_version, quarter!.bucket_ms]);
    await sql("DELETE FROM rollup_minute WHERE site = 'harbour' AND bucket_ms = ?", [minuteOf(3)]);
    try {
      const result = await verify();
      expect(result.intact).toBe(false);
      const named = result.problems.map((p: any) => [p.kind, p.cell.bucketStart, p.cell.standardId, p.differences.map((d: any) => d.field).join(',')]);
      expect(named).toEqual(
        expect.arrayContaining([
          ['rollup_minute', iso(minuteOf(1)), minute!.standard_id, 'judged,met'],
          ['rollup_15m', iso(quarter!.bucket_ms as number), quarter!.standard_id, 'counted'],
          ['value_hist_15m', iso(Math.floor(minuteOf(3) / 900_000) * 900_000), cell!.standard_id, 'n'],
        ]),
      );
      // The deleted minute row: the judgements of the amended event (its value now 3 s) still count there.
      const deleted = result.problems.find((p: any) => p.kind === 'rollup_minute' && p.cell.bucketStart === iso(minuteOf(3)));
      expect(deleted.differences).toEqual(expect.arrayContaining([{ field: 'judged', stored: 0, expected: 1 }]));
      const voided = result.problems.find((p: any) => p.kind === 'rollup_minute' && p.cell.bucketStart === iso(minuteOf(1)));
      expect(voided.differences).toEqual([
        { field: 'judged', stored: 1, expected: 0 },
        { field: 'met', stored: 1, expected: 0 },
      ]);
      const histogram = result.problems.find((p: any) => p.kind === 'value_hist_15m');
      expect(histogram.cell).toMatchObject({ table: 'value_hist_15m', grain: 'quarter', site: 'harbour', value: 3 });
      expect(histogram.differences).toEqual([{ field: 'n', stored: (cell!.n as number) + 1, expected: cell!.n }]);
    } finally {
      await sql("UPDATE value_hist_15m SET n = n - 1 WHERE site = 'harbour' AND standard_id = ? AND standard_version = ? AND value = 3", [cell!.standard_id, cell!.standard_version]);
      await sql("UPDATE rollup_minute SET judged = 0, met = 0 WHERE site = 'harbour' AND bucket_ms = ? AND standard_id = ?", [minuteOf(1), minute!.standard_id]);
      await sql("UPDATE rollup_15m SET counted = counted - 5 WHERE site = 'harbour' AND standard_id = ? AND standard_version = ? AND bucket_ms = ?", [quarter!.standard_id, quarter!.standard_version, quarter!.bucket_ms]);
      for (const r of backup) {
        const columns = Object.keys(r);
        await sql(`INSERT INTO rollup_minute (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(r));
      }
    }
    expect(await verify()).toMatchObject({ intact: true, problems: [] });
  });

  it('names a site record edited into text that is not JSON, and goes on: the chain names it, the derived check says it could not read it', async () => {
    // Its own site (a first event creates it, with its history record), so the test stands on its own.
    expect((await server().postEvents({ events: [{ ...call('quay-1', 3, { outcome: 'answered', answerSeconds: 4 }), site: 'quay' }] })).status).toBe(201);
    const [latest] = await sql("SELECT seq, definition FROM site_history WHERE site = 'quay' ORDER BY seq DESC LIMIT 1");
    await tamper('site_history', 'definition = ?', 'seq = ?', ['{', latest!.seq]);
    try {
      const res = await server().getJson('/api/v1/audit/verify');
      expect(res.status).toBe(200);
      expect(res.body.intact).toBe(false);
      const kinds = res.body.problems.map((p: any) => [p.kind, p.problem]);
      expect(kinds).toEqual(
        expect.arrayContaining([
          ['site', expect.stringMatching(new RegExp(`^the site record ${String(latest!.seq)} `))],
          ['sites', expect.stringMatching(/^the sites rows against their history records could not be checked: /)],
        ]),
      );
    } finally {
      await tamper('site_history', 'definition = ?', 'seq = ?', [latest!.definition, latest!.seq]);
    }
    expect(await verify()).toMatchObject({ intact: true, problems: [] });
  });
});
