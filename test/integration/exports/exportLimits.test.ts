// A compliance export or report walks its periods: a range of more than the limit is refused before anything is
// read (400 naming the parameter), a long one that is allowed leaves the server answering (/health, ingest) while it
// runs, and a client that goes away stops it. A real server on 127.0.0.1:0 with its own store (SQLite, or
// PostgreSQL in the integration-postgres project).
import { once } from 'node:events';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ComplianceReader } from '../../../server/src/services/compliance';
import { EXPORTS_AT_ONCE } from '../../../server/src/http/exportLimit';
import { ExportService } from '../../../server/src/services/exports';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
const get = (path: string, init: RequestInit = {}) => fetch(`${server().url}/api/v1${path}`, { ...init, headers: adminHeaders(server().apiKey) });

// 3,000 local days (under the limit of 10,000): each is read on its own (the tests stop it at the 100th).
const LONG = 'from=2001-01-01T00:00:00Z&to=2009-03-20T00:00:00Z&period=day&tz=UTC';

beforeAll(async () => {
  const events = [call({ id: 'a', occurredAt: '2001-01-01T10:00:00Z' }), call({ id: 'b', occurredAt: '2005-06-01T10:00:00Z', rings: 4 }), call({ id: 'c', occurredAt: '2009-03-19T10:00:00Z' })];
  expect((await server().postEvents({ events })).status).toBe(201);
});
afterEach(() => vi.restoreAllMocks());

describe('the limit on periods', () => {
  it('refuses a compliance export of more than 10,000 periods with a 400 naming period, before reading anything', async () => {
    const reads = vi.spyOn(ComplianceReader.prototype, 'siteSums');
    const res = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=day&format=json');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.type).toMatch(/invalid-query$/);
    expect(body.errors).toEqual([{ path: 'period', message: expect.stringContaining('would mean more than 10000 day periods between from and to') }]);
    expect(reads).not.toHaveBeenCalled();
  });

  it('takes the same range in months (1,561 periods), and refuses weeks only past the limit', async () => {
    const months = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=month&format=csv');
    expect(months.status).toBe(200);
    expect(await months.text()).toContain('# manifest ');
    const weeks = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&period=week&format=csv');
    expect(weeks.status).toBe(400);
    expect((await weeks.json()).errors).toEqual([{ path: 'period', message: expect.stringContaining('would mean more than 10000 week periods') }]);
  });

  it('refuses a report of more than 10,000 days whatever its period, naming to', async () => {
    const res = await get('/export/report?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=month');
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'to', message: expect.stringContaining('would mean more than 10000 days (the report lists every day of each site) between from and to') }]);
  });

  it('still caps /compliance buckets by the same rule', async () => {
    const res = await get('/compliance?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour');
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'bucket', message: expect.stringContaining('would mean more than 10000 hour buckets between from and to') }]);
  });
});

describe('a long export', () => {
  it('leaves /health and ingest answered while it runs', async () => {
    const res = await get(`/export/compliance?${LONG}&format=ndjson`);
    expect(res.status).toBe(200); // the first line is out: the periods are read as they are written
    const done: string[] = [];
    const exported = res.text().then((text) => (done.push('export'), text));
    const health = fetch(`${server().url}/api/v1/health`).then((r) => (done.push('health'), r.status));
    const ingest = server().postEvents({ events: [call({ id: 'during' })] }).then((r) => (done.push('ingest'), r.status));
    const [text, healthStatus, ingestStatus] = await Promise.all([exported, health, ingest]);
    expect([healthStatus, ingestStatus]).toEqual([200, 201]);
    expect(done.at(-1)).toBe('export');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1).manifest.rowCount).toBe(3); // one row per day with a judged call
  });

  // The client leaves at the 100th period; that read waits until the server saw it go (`gone`), so the next turn
  // between periods is where the export must stop.
  function leaveAt(call: number, client: AbortController, gone: () => Promise<unknown>) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below on the reader it was called on
    const siteSums = ComplianceReader.prototype.siteSums;
    const reads = vi.spyOn(ComplianceReader.prototype, 'siteSums').mockImplementation(async function (this: ComplianceReader, ...args) {
      if (reads.mock.calls.length === call) {
        client.abort();
        await gone();
      }
      return siteSums.apply(this, args);
    });
    return reads;
  }

  it('stops reading periods once the client went away', async () => {
    const stream = vi.spyOn(ExportService.prototype, 'stream');
    const client = new AbortController();
    const reads = leaveAt(100, client, () => once(stream.mock.calls[0]![2], 'close'));
    // The client may leave before the answer's headers reached it (the fetch is aborted) or while reading its body.
    const body = get(`/export/compliance?${LONG}&format=csv`, { signal: client.signal }).then((res) => {
      expect(res.status).toBe(200);
      return res.text();
    });
    await expect(body).rejects.toThrow();
    await expect(stream.mock.results[0]!.value).rejects.toThrow('the client went away');
    expect(reads.mock.calls.length).toBe(100);
    expect((await fetch(`${server().url}/api/v1/health`)).status).toBe(200);
  });

  it('stops a report once the client went away', async () => {
    const report = vi.spyOn(ExportService.prototype, 'report');
    const client = new AbortController();
    const reads = leaveAt(100, client, () => once(report.mock.calls[0]![2]!, 'abort'));
    await expect(get(`/export/report?${LONG}`, { signal: client.signal })).rejects.toThrow();
    await expect(report.mock.results[0]!.value).rejects.toThrow('the client went away');
    expect(reads.mock.calls.length).toBe(100);
  });
});

describe('exports at once', () => {
  const refused = {
    type: expect.stringMatching(/too-many-exports$/),
    title: 'Too many exports',
    status: 429,
    detail: `this key already runs ${EXPORTS_AT_ONCE} exports, the most one key may run at once; retry once one of them has ended`,
    errors: [{ path: 'Authorization', message: `names a key that already runs ${EXPORTS_AT_ONCE} exports, the most one key may run at once` }],
  };

  it('lets a key run two: a third is 429 naming why while they stream, other keys are not held back, and one more starts once they ended', async () => {
    // Every period the compliance exports read waits here: they stay running, their first lines sent.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below on the reader it was called on
    const siteSums = ComplianceReader.prototype.siteSums;
    vi.spyOn(ComplianceReader.prototype, 'siteSums').mockImplementation(async function (this: ComplianceReader, ...args) {
      await held;
      return siteSums.apply(this, args);
    });
    try {
      const running = [await get(`/export/compliance?${LONG}&format=csv`), await get(`/export/compliance?${LONG}&format=ndjson`)];
      expect(running.map((r) => r.status)).toEqual([200, 200]);

      const third = await get('/export/events?format=csv');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('5');
      expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await third.json()).toEqual(refused);
      expect((await get('/export/report')).status).toBe(429); // the report counts as one too
      // A HEAD runs nothing, so it is not counted.
      expect((await get('/export/events?format=csv', { method: 'HEAD' })).status).toBe(200);
      // Nor is a HEAD of the report: it answers the report's headers without reading anything.
      const report = vi.spyOn(ExportService.prototype, 'report');
      const head = await get('/export/report', { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type'), head.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-store']);
      expect(report).not.toHaveBeenCalled();

      // Counted per key: another audit key exports meanwhile.
      const created = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'auditor', scopes: ['audit'] }) });
      const other = ((await created.json()) as { key: string }).key;
      const theirs = await fetch(`${server().url}/api/v1/export/events?format=csv`, { headers: adminHeaders(other) });
      expect(theirs.status).toBe(200);
      expect(await theirs.text()).toContain('# manifest ');

      release();
      for (const r of running) expect(await r.text()).toMatch(/# manifest |\{"manifest":/);
      const next = await get('/export/events?format=csv');
      expect(next.status).toBe(200);
      expect(await next.text()).toContain('# manifest ');
    } finally {
      release();
    }
  });
});

describe('parameters an export does not take', () => {
  it.each([
    ['/export/events?period=week', 'period', 'does not apply to the events export (taken by: compliance, report)'],
    ['/export/audit-log?period=month', 'period', 'does not apply to the audit-log export (taken by: compliance, report)'],
    ['/export/incidents?outcome=met', 'outcome', 'does not apply to the incidents export (taken by: events)'],
    ['/export/milestones?standard=call-answer-2-rings', 'standard', 'does not apply to the milestones export (taken by: events, compliance, incidents, alerts, report)'],
    ['/export/report?since=1', 'since', 'does not apply to the report (taken by: milestones, compliance, incidents, alerts, audit-log)'],
    // A value the export would refuse if it took the parameter: what to fix is that it does not apply here.
    ['/export/events?period=year', 'period', 'does not apply to the events export (taken by: compliance, report)'],
    ['/export/compliance?proof=maybe', 'proof', 'does not apply to the compliance export (taken by: events, audit-log)'],
    ['/export/milestones?standard=nosuch', 'standard', 'does not apply to the milestones export (taken by: events, compliance, incidents, alerts, report)'],
    ['/export/audit-log?site=nosuch', 'site', 'does not apply to the audit-log export (taken by: events, milestones, compliance, incidents, alerts, report)'],
    ['/export/incidents?outcome=bogus', 'outcome', 'does not apply to the incidents export (taken by: events)'],
    ['/export/report?since=soon', 'since', 'does not apply to the report (taken by: milestones, compliance, incidents, alerts, audit-log)'],
  ])('%s: 400 invalid-query naming %s and why', async (path, field, message) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.type).toMatch(/invalid-query$/);
    expect(body.errors).toEqual([{ path: field, message }]);
  });

  // Each kind's own parameters: an unknown one is told those, and none it names is then refused as not applying.
  const KNOWN: Array<[string, string]> = [
    ['events', 'from, to, site, standard, outcome, format, tz, proof, asOf'],
    ['milestones', 'from, to, site, format, tz, since, asOf'],
    ['compliance', 'from, to, site, standard, format, tz, period, since, asOf'],
    ['incidents', 'from, to, site, standard, format, tz, since, asOf'],
    ['alerts', 'from, to, site, standard, format, tz, since, asOf'],
    ['audit-log', 'from, to, format, tz, proof, since, asOf'],
    ['report', 'from, to, site, standard, format, tz, period, asOf'],
  ];
  it.each(KNOWN)('/export/%s?foo=1 names the parameters that export takes as the known ones, each of which it takes', async (kind, known) => {
    const res = await get(`/export/${kind}?foo=1`);
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'foo', message: `is not a known parameter (known: ${known})` }]);
    for (const name of known.split(', ')) {
      const errors: Array<{ path: string; message: string }> = (await (await get(`/export/${kind}?${name}=%3F`)).json()).errors;
      expect(errors.find((e) => e.path === name)?.message, `${kind} ${name}`).not.toMatch(/does not apply/);
    }
  });

  it('suggests only a parameter the export takes for a near miss, and tells one another export takes that it does not apply', async () => {
    const events = await (await get('/export/events?outcom=met')).json();
    expect(events.errors).toEqual([{ path: 'outcom', message: 'is not a known parameter (known: from, to, site, standard, outcome, format, tz, proof, asOf) (did you mean "outcome"?)' }]);
    const compliance = await (await get('/export/compliance?outcom=met&proof=none')).json();
    expect(compliance.errors).toEqual([
      { path: 'outcom', message: 'is not a known parameter (known: from, to, site, standard, format, tz, period, since, asOf)' },
      { path: 'proof', message: 'does not apply to the compliance export (taken by: events, audit-log)' },
    ]);
  });

  it('names the range beside a parameter that does not apply, and the value of one that does', async () => {
    const res = await get('/export/milestones?period=year&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&since=x');
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([
      { path: 'period', message: 'does not apply to the milestones export (taken by: compliance, report)' },
      { path: 'since', message: 'must be a whole number from 1 to 9007199254740991' },
      { path: 'to', message: 'must be later than from' },
    ]);
  });

  it('the manifest names only the filters the export applied', async () => {
    const res = await get('/export/incidents?format=ndjson');
    expect(res.status).toBe(200);
    const manifest = JSON.parse((await res.text()).trim().split('\n').at(-1)!).manifest;
    // Incidents take site and standard, not outcome: an outcome filter is not named, not even empty.
    expect(Object.keys(manifest.filters).sort()).toEqual(['from', 'sites', 'standards', 'to']);
  });
});
