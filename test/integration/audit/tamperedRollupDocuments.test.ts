// The auditor's trial: with the server stopped, the rollup rows of one site, standard and day are edited in the store
// (met = counted: 100 % instead of 93.4 %). The dashboard's reads show the false figure until the rows are repaired;
// the signed compliance export and the audit report must not: each checks the rollup rows it is built from against
// their judgements, says which differ, recounts its figures from the judgements (the rows an untouched store gave),
// and the server logs an error. The advice of a rollup problem (rebuild-rollups) changes when the same verification
// finds the chain broken too. A real server on SQLite and on PostgreSQL (integration-postgres), stopped and started
// again on its store, on a test clock.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/cli';
import { manifestOf, firstLineOf } from '../support/exportApi';
import { storeSql, tamper } from '../support/outsideEdits';
import { captureLog } from '../support/serverLog';
import { testClock } from '../support/testClock';
import { adminHeaders, chainHead, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const DAY = 86_400_000;
const DAY_MS = Date.parse('2026-03-02T00:00:00Z');
const clock = testClock(Date.parse('2026-03-05T12:00:00Z'));
const dataDir = tempDataDir();
let server: TestServer;

const start = async () => {
  server = await startTestServer({ dataDir, clock, logLevel: 'error' });
};
/** Edits the store as someone with its files would, the server stopped meanwhile. */
async function whileStopped(edit: () => Promise<void>): Promise<void> {
  await server.close();
  await edit();
  await start();
}

const RANGE = `from=${encodeURIComponent('2026-03-01T00:00:00Z')}&to=${encodeURIComponent('2026-03-04T00:00:00Z')}&tz=UTC&period=day`;
async function text(path: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1${path}`, { headers: adminHeaders(server.apiKey) });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return body;
}

/** Harbour's calls of 2 March, every 10 minutes from 08:00: 61, of which 4 (09:10, 11:40, 14:10, 16:40) rang 4 times. */
const harbourCalls = Array.from({ length: 61 }, (_, i) => ({
  id: `h${i}`,
  type: 'call',
  site: 'harbour',
  occurredAt: new Date(DAY_MS + 8 * 3_600_000 + i * 600_000).toISOString(),
  outcome: 'answered',
  rings: i % 15 === 7 ? 4 : 1,
}));
const downtownCalls = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, type: 'call', site: 'downtown', occurredAt: new Date(DAY_MS + 9 * 3_600_000 + i * 900_000).toISOString(), outcome: 'answered', rings: 1 }));
const MISSED_HOURS = ['09', '11', '14', '16'].map((h) => `2026-03-02T${h}:00:00.000Z`);

/** The visible text of a part of the report: tags removed, entities decoded, white space collapsed. */
const visible = (part: string) => part.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const section = (html: string, n: number) => visible(html.slice(html.indexOf(`<h2>${n}.`), html.indexOf(`<h2>${n + 1}.`)));
const reportRowsHash = (html: string) => /<dt>SHA-256 of the rows<\/dt><dd><code>([0-9a-f]{64})<\/code>/.exec(html)![1];

const harbourRow = (csv: string) => csv.split('\r\n').find((l) => l.startsWith('2026-03-02,') && l.includes(',harbour,call-answer-2-rings,'));

/** The untouched store's compliance export and report of the range. */
let before: { csv: string; report: string };

beforeAll(async () => {
  await start();
  const posted = await server.postEvents({ events: [...harbourCalls, ...downtownCalls] });
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  before = { csv: await text(`/export/compliance?${RANGE}&format=csv`), report: await text(`/export/report?${RANGE}`) };
  // The trial: every grain of harbour's rollup rows of the call standard on 2 March, met set to counted.
  await whileStopped(async () => {
    for (const table of ['rollup_hour', 'rollup_15m', 'rollup_minute']) {
      await storeSql(dataDir, `UPDATE ${table} SET met = counted WHERE site = 'harbour' AND standard_id = 'call-answer-2-rings' AND bucket_ms >= ? AND bucket_ms < ?`, [DAY_MS, DAY_MS + DAY]);
    }
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  removeDir(dataDir);
});

describe('documents over rollup rows edited outside Ringside', () => {
  it('the untouched store: the figures as judged, no disagreement, the report saying its rollup rows agree', () => {
    expect(harbourRow(before.csv)).toMatch(/,57,61,0\.9344262295081968,/);
    expect(firstLineOf(before.csv).rollupsDisagree).toBeUndefined();
    expect(manifestOf(before.csv).rollupsDisagree).toBeUndefined();
    expect(section(before.report, 1)).not.toContain('Figures recounted');
    expect(section(before.report, 9)).toMatch(/Chain verification intact up to record \d+/);
    expect(section(before.report, 9)).toMatch(/Figures against the judgements the \d+ rollup row\(s\) this report's figures are read from \(from the retention cutoff on\) agree with what their judgements give/);
  });

  it('the compliance export names the rows that differ, recounts its figures from the judgements, and the server logs an error', async () => {
    // The dashboard reads the edited rows (what the trial shows).
    const figure = JSON.parse(await text(`/compliance?site=harbour&standard=call-answer-2-rings&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&tz=UTC`)).standards[0];
    expect(figure).toMatchObject({ numerator: 61, denominator: 61 });
    const logged = captureLog();
    let csv: string;
    try {
      csv = await text(`/export/compliance?${RANGE}&format=csv`);
      expect(logged.lines().find((l) => l.level === 50 && /^rollup rows differ from their judgements/.test(l.msg))).toMatchObject({ export: 'compliance', rows: 4, first: expect.stringMatching(/^rollup_hour call-answer-2-rings@1\/harbour\/2026-03-02T09:00:00\.000Z: /) });
    } finally {
      logged.stop();
    }
    // The figures an untouched store gave: the same rows, byte for byte, as recomputed as of the head.
    expect(harbourRow(csv)).toMatch(/,57,61,0\.9344262295081968,/);
    expect(manifestOf(csv).dataSha256).toBe(manifestOf(before.csv).dataSha256);
    const asOf = await text(`/export/compliance?${RANGE}&format=csv&asOf=${(await chainHead(server)).seq}`);
    expect(manifestOf(csv).dataSha256).toBe(manifestOf(asOf).dataSha256);
    // Said first and signed: which rows differ, and both figures of each.
    for (const note of [firstLineOf(csv).rollupsDisagree, manifestOf(csv).rollupsDisagree]) {
      expect(note).toMatchObject({ figures: expect.stringMatching(/^recounted from the judgements/), rows: 4, moreProblems: 0, see: expect.stringContaining('GET /api/v1/audit/verify and verify --data') });
      expect(note.problems.map((p: any) => [p.kind, p.cell.site, p.cell.standardId, p.cell.bucketStart, p.differences])).toEqual(
        MISSED_HOURS.map((hour) => ['rollup_hour', 'harbour', 'call-answer-2-rings', hour, [{ field: 'met', stored: 6, expected: 5 }]]),
      );
    }
    // The file, its note among what is signed, verifies offline.
    const file = join(dataDir, 'compliance.csv');
    const key = join(dataDir, 'key.json');
    writeFileSync(file, csv);
    writeFileSync(key, JSON.stringify(await (await fetch(`${server.url}/api/v1/audit/public-key`)).json()));
    const verified = await runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--public-key', key]);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
  });

  it('the report says prominently that its figures are recounted, names the rows in its verification, and the server logs an error', async () => {
    const logged = captureLog();
    let html: string;
    try {
      html = await text(`/export/report?${RANGE}`);
      expect(logged.lines().find((l) => l.level === 50 && /^rollup rows differ from their judgements/.test(l.msg))).toMatchObject({ export: 'report', rows: 4 });
    } finally {
      logged.stop();
    }
    expect(section(html, 1)).toContain('Figures recounted 4 stored rollup row(s) of this period (site harbour: call-answer-2-rings) differ from what their judgements give');
    expect(html).toMatch(/<dt>Figures recounted<\/dt><dd class="bad">/);
    // Every figure recounted: the summary, each version's own, and the rows (their hash the untouched store's).
    expect(section(html, 1)).toMatch(/harbour Calls answered within 2 rings 57 61 93\.4 %/);
    expect(section(html, 2)).toContain('harbour: 57 / 61 = 93.4 %');
    expect(reportRowsHash(html)).toBe(reportRowsHash(before.report));
    const verification = section(html, 9);
    // The chain is intact; the rows it does not cover are named apart, with where to see every one.
    expect(verification).toMatch(/Chain verification intact up to record \d+/);
    expect(verification).toContain("4 rollup row(s) this report's figures are read from (from the retention cutoff on) differ from what their judgements give, so every figure in this report is recounted from the judgements.");
    expect(verification).toContain('GET /api/v1/audit/verify and verify --data name every row of the store that differs');
    for (const hour of MISSED_HOURS) {
      expect(verification).toContain(`rollup_hour call-answer-2-rings@1/harbour/${hour}: the rollup_hour row of standard call-answer-2-rings version 1 at site harbour, hour from ${hour}, differs from what its judgements give (met: stored 6, judgements give 5)`);
    }
    // As of a past head no rollup row is read, and the report says so.
    const asOf = await text(`/export/report?${RANGE}&asOf=${(await chainHead(server)).seq}`);
    expect(section(asOf, 1)).not.toContain('Figures recounted');
    expect(section(asOf, 9)).toContain('Figures against the judgements recomputed from the judgements as chained up to the head this report is made at (asOf): no rollup row is read');
    expect(reportRowsHash(asOf)).toBe(reportRowsHash(before.report));
  });

  it('finds a rollup row written outside Ringside on a day without events, in a range from 1970', async () => {
    // The store's events are all of 2 March 2026: a fabricated hour of 20 calls, all met, at downtown, months before.
    const FAKE_HOUR = '2025-06-03T10:00:00.000Z';
    await whileStopped(async () => {
      await storeSql(dataDir, `INSERT INTO rollup_hour (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max) VALUES (?, 'call-answer-2-rings', 1, 'downtown', 20, 20, 20, 20, 0, 20, 20, 1)`, [Date.parse(FAKE_HOUR)]);
    });
    const wide = `from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&tz=UTC&period=month&format=csv`;
    const csv = await text(`/export/compliance?${wide}`);
    const note = manifestOf(csv).rollupsDisagree;
    // The fabricated row, and nine months on (the quiet months between skipped, not the rows after them), harbour's.
    expect(note.problems.map((p: any) => [p.kind, p.cell.site, p.cell.bucketStart])).toEqual([
      ['rollup_hour', 'downtown', FAKE_HOUR],
      ...MISSED_HOURS.map((hour) => ['rollup_hour', 'harbour', hour]),
    ]);
    // Recounted: nothing counted that month, and downtown's ten calls of 2 March as they were.
    const row = (month: string) => csv.split('\r\n').find((l) => l.startsWith(`${month},`) && l.includes(',downtown,call-answer-2-rings,'));
    expect(row('2025-06') ?? '').not.toMatch(/,20,20,/);
    expect(row('2026-03')).toMatch(/,10,10,1,/);
    await whileStopped(() => storeSql(dataDir, 'DELETE FROM rollup_hour WHERE bucket_ms = ?', [Date.parse(FAKE_HOUR)]).then(() => undefined));
  });

  it('advises rebuild-rollups while the chain is intact, and not once a record is altered too', async () => {
    const rebuild = 'rebuild-rollups recomputes these tables from them';
    const notYet = 'do not run rebuild-rollups before the chain is intact';
    const rollupProblems = (problems: any[]) => problems.filter((p) => p.kind.startsWith('rollup_'));
    const intact = (await server.getJson('/api/v1/audit/verify')).body;
    expect(rollupProblems(intact.problems).length).toBeGreaterThan(0);
    for (const p of rollupProblems(intact.problems)) expect(p.problem).toContain(rebuild);
    for (const p of rollupProblems(intact.problems)) expect(p.problem).not.toContain(notYet);

    // A judgement record of downtown altered too (its threshold: no figure changes, its chain digest does).
    await whileStopped(() => tamper(dataDir, 'judgements', 'threshold = 9', "event_seq = (SELECT seq FROM events WHERE id = 'd0')", []));
    const broken = (await server.getJson('/api/v1/audit/verify')).body;
    expect(broken.problems[0]).toMatchObject({ kind: 'judgement', problem: expect.stringContaining('does not match its chain digest') });
    expect(rollupProblems(broken.problems).length).toBe(rollupProblems(intact.problems).length);
    for (const p of rollupProblems(broken.problems)) {
      expect(p.problem).toContain(`${notYet}: it recomputes these tables from the records as they are now, a forged one included`);
      expect(p.problem).not.toContain(rebuild);
    }
    // The report's verification advises the same, and its summary says the judgements may be altered too.
    const logged = captureLog();
    let html: string;
    try {
      html = await text(`/export/report?${RANGE}`);
      expect(logged.lines().find((l) => l.level === 50 && /^rollup rows differ from their judgements/.test(l.msg))?.first).toContain(notYet);
    } finally {
      logged.stop();
    }
    expect(section(html, 9)).toMatch(/Chain verification first mismatch at record \d+ \(judgement /);
    expect(section(html, 9)).toContain(`differs from what its judgements give (met: stored 6, judgements give 5): it was changed outside Ringside, and this verification found the chain broken too`);
    expect(section(html, 9)).not.toContain(rebuild);
    expect(section(html, 1)).toContain('The chain verification found the chain broken too: the judgements themselves may have been altered (section 9).');
  });

  it('names the days whose judgements cannot be read, and gives the whole file, its figures read from the rollup rows', async () => {
    const amended = await fetch(`${server.url}/api/v1/events/d1/amend`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'PBX log', changes: { rings: 3 } }) });
    expect(amended.status).toBe(201);
    // The correction's changes edited into text that is not JSON: its judgement can no longer be read in its corrected state.
    await whileStopped(() => tamper(dataDir, 'audit_corrections', 'changes = ?', "event_seq = (SELECT seq FROM events WHERE id = 'd1')", ['{']));
    const logged = captureLog();
    let csv: string;
    try {
      csv = await text(`/export/compliance?${RANGE}&format=csv`);
      expect(logged.lines().find((l) => l.level === 50 && /^rollup rows could not all be checked/.test(l.msg))).toMatchObject({ export: 'compliance' });
    } finally {
      logged.stop();
    }
    // The whole file, signed: every period's rows and the manifest after them.
    const note = manifestOf(csv).rollupsDisagree;
    expect(note.figures).toMatch(/^read from the rollup rows, not checked: the judgements of the days below could not be read/);
    expect(note.problems.map((p: any) => [p.kind, p.ref])).toEqual([['rollups', '2026-03-02..2026-03-03']]);
    expect(note.problems[0].problem).toMatch(/^the rollups and value histograms of 2026-03-02 to 2026-03-03 \(UTC\) could not be checked: /);
    expect(firstLineOf(csv).rollupsDisagree).toEqual(note);
    // Read from the rollup rows as they stand (the edited ones included), not recounted.
    expect(harbourRow(csv)).toMatch(/,61,61,1,/);
  });
});
