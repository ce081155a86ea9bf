// What survives retention pruning (docs/audit.md "Retention"): two past months of events (calls with queues and
// agents, visits, a site with business hours, an F1 standard changed mid-month, voids and amendments), pruned
// by the built `prune` command with the cutoff in the middle of the second month. Every figure the docs say
// survives is compared with the same request before pruning; what needs raw events says it is incomplete.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, mainJs } from '../support/cli';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, visit, type TestServer } from '../support/testServer';
import { wholeStandard } from '../support/standards';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const QUARTER = 900_000;
const iso = (ms: number) => new Date(ms).toISOString();
const monthAfter = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth() + 1, 1);
const M1 = Date.UTC(new Date(Date.now() - 150 * DAY).getUTCFullYear(), new Date(Date.now() - 150 * DAY).getUTCMonth(), 1);
const M2 = monthAfter(M1);
const M3 = monthAfter(M2);
/**
 * The `prune` child runs on the real clock: the cutoff lands on day 14 of the second month, at the time of day it runs
 * (a day later if that day ends meanwhile). No events lie between day 13 and day 18, and KEPT_FROM, day 16, is after
 * the cutoff whenever the test runs.
 */
const RETAIN_DAYS = Math.ceil((Date.now() - (M2 + 15 * DAY)) / DAY);
const KEPT_FROM = M2 + 16 * DAY;
const RANGE = `from=${iso(M1)}&to=${iso(M3)}`;

const at = (base: number, day: number, hour: number, minute: number) => iso(base + day * DAY + hour * HOUR + minute * 60_000);

/** Per day: five calls (two at the shop, open 09–17 on weekdays: 08:07 and 18:07 are outside hours) and five visits. */
function monthEvents(tag: string, base: number, days: readonly number[]) {
  return days.flatMap((d) =>
    [8, 10, 13, 16, 18].flatMap((h, i) => {
      const k = d * 10 + i;
      const agent = ['ann', 'bob', undefined][k % 3];
      return [
        call({ id: `${tag}-c${k}`, site: i % 2 ? 'shop' : 'downtown', occurredAt: at(base, d, h, 7), outcome: k % 5 === 0 ? 'abandoned' : 'answered', rings: undefined, answerSeconds: ((k * 7) % 41) + (k % 2) / 2, queue: i % 2 ? 'sales' : 'support', agent }),
        visit({ id: `${tag}-v${k}`, site: 'downtown', occurredAt: at(base, d, h, 37), outcome: k % 4 === 0 ? 'left' : 'greeted', greetSeconds: (k * 13) % 75, agent: k % 2 ? 'cy' : undefined }),
      ];
    }),
  );
}

let dir: string;
let server: TestServer;
let prunedBefore: string;
/** The real time before and after the `prune` child ran. */
let pruneRan: [number, number];
let before: Snapshot;
let after: Snapshot;
let keptGroups: any;

const send = async (method: string, path: string, body: unknown) => {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
};
const json = async (path: string) => {
  const res = await server.getJson(path);
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
  return res.body;
};
const text = async (path: string) => (await fetch(`${server.url}${path}`, { headers: adminHeaders(server.apiKey) })).text();

const EXPORTS = [`${RANGE}&period=month&tz=UTC`, `${RANGE}&period=month&tz=Europe/Berlin`, `${RANGE}&period=day&tz=UTC`, `${RANGE}&period=week&tz=America/New_York&site=shop`];
const COMPLIANCE = ['', '&site=shop', '&groupBy=site', '&bucket=day', `&standard=call-f1-3-rings&site=downtown`].map((x) => `${RANGE}&tz=UTC${x}`);
const DISTRIBUTIONS = [RANGE, `${RANGE}&site=shop`, `from=${iso(M1)}&to=${iso(M2)}&site=downtown`, `from=${iso(M2)}&to=${iso(M3)}&standard=call-f1-3-rings`];

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

async function snapshot() {
  const exports = [];
  for (const q of EXPORTS) exports.push(await json(`/api/v1/export/compliance?${q}&format=json`));
  const compliance = [];
  for (const q of COMPLIANCE) compliance.push(await json(`/api/v1/compliance?${q}`));
  const distributions = [];
  for (const q of DISTRIBUTIONS) distributions.push(await json(`/api/v1/distribution?${q}`));
  const report = await text(`/api/v1/export/report?${RANGE}&period=month&tz=UTC`);
  const agents = await json(`/api/v1/compliance?${RANGE}&tz=UTC&groupBy=agent`);
  return { exports, compliance, distributions, report, agents };
}

/** The report's charts and per-site tables (the figures), and the SHA-256 of its rows. */
function reportFigures(html: string): { figures: string; sha: string } {
  const figures = /<h2>3\. Charts<\/h2>([\s\S]*)<h2>5\. /.exec(html)?.[1];
  const sha = /SHA-256 of the rows<\/dt><dd><code>([0-9a-f]{64})<\/code>/.exec(html)?.[1];
  if (!figures || !sha) throw new Error(`unexpected report: ${html.slice(0, 300)}`);
  return { figures, sha };
}

beforeAll(async () => {
  buildServer();
  dir = tempDataDir();
  server = await startTestServer({ dataDir: dir });
  const weekdays = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
  await send('POST', '/sites', { id: 'shop', timeZone: 'UTC', ringCycleSeconds: 6, hours: weekdays });
  const f1 = { id: 'call-f1-3-rings', name: 'Calls within 3 rings (F1)', eventType: 'call', measure: 'rings', operator: '<=', threshold: 3, target: 0.8, formula: 'F1' };
  await send('POST', '/standards', f1);
  await send('PUT', '/standards/call-f1-3-rings', wholeStandard({ ...f1, threshold: 2, validFrom: iso(M1 + 15 * DAY) })); // version 2 from mid-month 1
  const events = [...monthEvents('m1', M1, [0, 1, 4, 8, 12, 16, 20, 24, 27]), ...monthEvents('m2', M2, [1, 4, 8, 12, 18, 22, 26])];
  const posted = await server.postEvents({ events });
  expect(posted.status, JSON.stringify(posted.body).slice(0, 400)).toBe(201);
  const correct = (id: string, action: 'void' | 'amend', changes?: object) => send('POST', `/events/${id}/${action}`, { reason: 'test', ...(changes ? { changes } : {}) });
  await correct('m1-c11', 'void');
  await correct('m1-c42', 'amend', { answerSeconds: 2 });
  await correct('m1-c81', 'amend', { outcome: 'abandoned' }); // the outcome changes: the raw reads keep the recorded one for bins
  await correct('m1-v121', 'amend', { greetSeconds: 3 });
  await correct('m1-v121', 'amend', { greetSeconds: 44 }); // amended twice
  await correct('m2-c41', 'void');
  await correct('m2-c181', 'void');
  await correct('m2-c222', 'amend', { rings: 5 });

  before = await snapshot();
  keptGroups = await json(`/api/v1/compliance?from=${iso(KEPT_FROM)}&to=${iso(M3)}&tz=UTC&groupBy=agent`);
  await server.close();

  const pruneStarted = Date.now();
  const pruned = spawnSync(process.execPath, [mainJs, 'prune', '--data', dir, '--retain-days', String(RETAIN_DAYS)], { encoding: 'utf8' });
  pruneRan = [pruneStarted, Date.now()];
  expect(pruned.status, pruned.stderr).toBe(0);
  prunedBefore = /before (\S+);/.exec(pruned.stdout)![1]!;
  expect(pruned.stdout).toMatch(/^pruned [1-9]\d* events/);

  server = await startTestServer({ dataDir: dir });
  after = await snapshot();
}, 120_000);

afterAll(async () => {
  await server?.close();
  removeDir(dir);
});

describe('after prune --retain-days', () => {
  it('cuts on the quarter-hour grid, --retain-days before it ran, inside the second month', () => {
    const cut = Date.parse(prunedBefore);
    expect(cut % QUARTER).toBe(0);
    expect(cut).toBeGreaterThan(pruneRan[0] - RETAIN_DAYS * DAY - QUARTER);
    expect(cut).toBeLessThanOrEqual(pruneRan[1] - RETAIN_DAYS * DAY);
    expect(cut).toBeGreaterThan(M2 + 13 * DAY);
    expect(cut).toBeLessThanOrEqual(KEPT_FROM);
  });

  it('the compliance export has the same rows (every period, zone and filter), from the rollups for the pruned part', () => {
    for (const [i, q] of EXPORTS.entries()) {
      const b = before.exports[i];
      const a = after.exports[i];
      expect(b.rows.length, q).toBeGreaterThan(0);
      expect(a.rows, q).toEqual(b.rows);
      expect(a.manifest.dataSha256, q).toBe(b.manifest.dataSha256);
      expect(b.manifest.retention, q).toBeUndefined();
      expect(a.manifest.retention, q).toEqual({ prunedBefore, checkpointSeq: expect.any(Number), missing: [] });
      expect(a.export.retention, q).toEqual(a.manifest.retention);
    }
    const m1 = before.exports[0].rows.filter((r: any) => r.period_start === iso(M1));
    expect(m1.reduce((s: number, r: any) => s + r.voided, 0)).toBe(2); // m1-c11 under both call standards
    expect(m1.reduce((s: number, r: any) => s + r.amended, 0)).toBe(2 * 2 + 1); // two calls × two standards, one visit
    expect(m1.find((r: any) => r.standard_id === 'call-f1-3-rings' && r.site === 'downtown').versions).toBe('1 2');
  });

  it('GET /compliance gives each exported month the same numerator and denominator', async () => {
    for (const row of after.exports[0].rows) {
      const figure = (await json(`/api/v1/compliance?from=${row.period_start}&to=${row.period_end}&site=${row.site}&standard=${row.standard_id}&tz=UTC`)).standards[0];
      expect([figure.numerator, figure.denominator, figure.ratio], JSON.stringify(row)).toEqual([row.numerator, row.denominator, row.ratio]);
    }
  });

  it('the audit report shows the same charts and tables, and says what was pruned', () => {
    expect(reportFigures(after.report)).toEqual(reportFigures(before.report));
    expect(reportFigures(after.report).figures).toContain('<td>call-f1-3-rings</td>');
    expect(after.report).toContain(`Raw events before ${prunedBefore} were pruned`);
    expect(before.report).not.toContain('were pruned');
  });

  it('distribution bins are the same, rebuilt from the value histograms and rollups for the pruned part', () => {
    for (const [i, q] of DISTRIBUTIONS.entries()) {
      const b = before.distributions[i];
      const a = after.distributions[i];
      expect(b.standards.some((s: any) => s.total > 0), q).toBe(true);
      expect(a.standards, q).toEqual(b.standards);
      expect(a.prunedBefore, q).toBe(prunedBefore);
    }
  });

  it('GET /compliance without groupBy is unchanged (p90 included), and says since when raw events are gone', () => {
    for (const [i, q] of COMPLIANCE.entries()) {
      const { prunedBefore: was, ...b } = before.compliance[i];
      const { prunedBefore: now, ...a } = after.compliance[i];
      expect(a, q).toEqual(b);
      expect([was, now]).toEqual([null, prunedBefore]);
    }
    expect(before.compliance[0].standards[0].companions.p90).not.toBeNull();
  });

  it('groupBy=agent keeps the overall figures and p90, and says its groups only cover the kept range', () => {
    const figures = (r: any) => r.standards.map(({ groups, incomplete, ...f }: any) => f);
    expect(figures(after.agents)).toEqual(figures(before.agents));
    expect(figures(after.agents)).toEqual(figures(after.compliance[0]));
    for (const [i, s] of after.agents.standards.entries()) {
      expect(s.incomplete).toEqual({ reason: 'pruned', prunedBefore, checkpointSeq: expect.any(Number), missing: [{ part: 'groups', from: iso(M1), to: prunedBefore }] });
      expect(s.groups.length).toBeGreaterThan(0);
      // The groups are exactly what the kept events say, each with the range it covers.
      expect(s.groups).toEqual(keptGroups.standards[i].groups.map((g: any) => ({ ...g, from: prunedBefore, to: iso(M3) })));
    }
    expect(before.agents.standards.every((s: any) => s.incomplete === undefined && s.groups.every((g: any) => g.from === undefined))).toBe(true);
  });

  it('the event export states the pruned range in its first line and manifest', async () => {
    const body = JSON.parse(await text(`/api/v1/export/events?${RANGE}&format=json&proof=none`));
    const retention = { prunedBefore, checkpointSeq: expect.any(Number), missing: [{ part: 'events', from: iso(M1), to: prunedBefore }] };
    expect(body.export.retention).toEqual(retention);
    expect(body.manifest.retention).toEqual(retention);
    expect(body.rows.length).toBeGreaterThan(0);
    expect(body.rows.every((r: any) => r.occurred_at_ms >= Date.parse(prunedBefore))).toBe(true);
    const kept = JSON.parse(await text(`/api/v1/export/events?from=${iso(KEPT_FROM)}&to=${iso(M3)}&format=json&proof=none`));
    expect(kept.manifest.retention).toBeUndefined();
  });

  it('a range starting off the grid in the pruned past says which sliver it lacks, everywhere', async () => {
    const from = M1 + 4 * DAY + 8 * HOUR + 3 * 60_000 + 30_000; // 08:03:30: events at 08:07 are in the missing sliver
    const sliver = { from: iso(from), to: iso(M1 + 4 * DAY + 8 * HOUR + QUARTER) };
    const q = `from=${iso(from)}&to=${iso(M3)}`;
    const figure = (await json(`/api/v1/compliance?${q}&standard=call-answer-2-rings`)).standards[0];
    expect(figure.incomplete).toEqual({ reason: 'pruned', prunedBefore, checkpointSeq: expect.any(Number), missing: [{ part: 'counts', ...sliver }, { part: 'p90', ...sliver }] });
    const dist = (await json(`/api/v1/distribution?${q}&standard=call-answer-2-rings`)).standards[0];
    expect(dist.incomplete).toEqual({ reason: 'pruned', prunedBefore, checkpointSeq: expect.any(Number), missing: [{ part: 'bins', ...sliver }] });
    const exported = await json(`/api/v1/export/compliance?${q}&period=month&tz=UTC&format=json`);
    expect(exported.manifest.retention.missing).toEqual([{ part: 'counts', ...sliver }]);
    // Same events, same figures: the export's first month equals /compliance over the same clipped range.
    const first = exported.rows.filter((r: any) => r.standard_id === 'call-answer-2-rings');
    const sum = (k: string) => first.filter((r: any) => r.period_end === iso(M2)).reduce((s: number, r: any) => s + r[k], 0);
    const month = (await json(`/api/v1/compliance?from=${iso(from)}&to=${iso(M2)}&standard=call-answer-2-rings`)).standards[0];
    expect([sum('numerator'), sum('denominator')]).toEqual([month.numerator, month.denominator]);
  });

  it('rebuild-rollups after pruning recomputes only the kept range: every figure stays the same', async () => {
    await server.close();
    const rebuilt = spawnSync(process.execPath, [mainJs, 'rebuild-rollups', '--data', dir], { encoding: 'utf8' });
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    server = await startTestServer({ dataDir: dir });
    const again = await snapshot();
    expect(again.exports.map((e: any) => e.rows)).toEqual(after.exports.map((e: any) => e.rows));
    expect(again.compliance).toEqual(after.compliance);
    expect(again.distributions).toEqual(after.distributions);
    expect(again.agents).toEqual(after.agents);
    expect(reportFigures(again.report)).toEqual(reportFigures(after.report));
  });

  it('events back-dated into the pruned past after pruning count once, corrections included (runs last: it adds events)', async () => {
    const late = [call({ id: 'late-1', site: 'downtown', occurredAt: at(M1, 3, 11, 7), rings: 1 }), call({ id: 'late-2', site: 'downtown', occurredAt: at(M1, 3, 11, 9), rings: 4 })];
    expect((await server.postEvents({ events: late })).status).toBe(201);
    await send('POST', '/events/late-2/void', { reason: 'test' });
    const rows = (await json(`/api/v1/export/compliance?${RANGE}&period=month&tz=UTC&site=downtown&standard=call-answer-2-rings&format=json`)).rows;
    const was = before.exports[0].rows.find((r: any) => r.site === 'downtown' && r.standard_id === 'call-answer-2-rings' && r.period_start === iso(M1));
    expect(rows[0]).toEqual({ ...was, numerator: was.numerator + 1, denominator: was.denominator + 1, ratio: (was.numerator + 1) / (was.denominator + 1), voided: was.voided + 1 });
    const figure = (await json(`/api/v1/compliance?from=${iso(M1)}&to=${iso(M2)}&site=downtown&standard=call-answer-2-rings`)).standards[0];
    expect([figure.numerator, figure.denominator]).toEqual([rows[0].numerator, rows[0].denominator]);
    const calls = (r: any) => r.standards.find((x: any) => x.standardId === 'call-answer-2-rings');
    const bins = calls(await json(`/api/v1/distribution?${DISTRIBUTIONS[2]}`));
    const wasBins = calls(before.distributions[2]);
    const ring1 = { ...wasBins.bins[0], count: wasBins.bins[0].count + 1, met: wasBins.bins[0].met + 1 };
    expect(bins).toEqual({ ...wasBins, total: wasBins.total + 1, bins: [ring1, ...wasBins.bins.slice(1)] }); // late-2 is void
  });
});
