// Frozen periods (asOf=<chain seq>): every export kind reproduces what it was when the chain head was that link,
// byte for byte, after later events, corrections and exports touching the period; the reproduction verifies offline;
// a bad asOf (not a seq, past the head, before a retention cutoff that pruned what it needs) is a 400 naming asOf.
// Runs on SQLite and (integration-postgres) on PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, firstLineOf, manifestOf } from '../support/exportApi';
import { call, removeDir, startTestServer, tempDataDir, visit, type TestServer } from '../support/testServer';
import { runNode } from '../support/cli';

let server: TestServer;
let dir: string;
let frozen: { seq: number; hash: string };
const Q = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&tz=UTC';
// The audit log's own range reaches to now, so later entries (these exports') fall in it and must be left out.
const LOG_Q = `from=2026-03-01T00:00:00Z&to=${new Date(Date.now() + 86_400_000).toISOString()}&tz=UTC`;
const KINDS = ['events', 'milestones', 'compliance', 'incidents', 'alerts'] as const;
let first: Map<string, string>;

const { get, send, text, newVersion } = adminApi(() => server);

/** Every kind's export as of link `seq` (CSV), and the report. */
async function exportsAsOf(seq: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const kind of KINDS) out.set(kind, await text(`/export/${kind}?${Q}&format=csv&asOf=${seq}`));
  out.set('audit-log', await text(`/export/audit-log?${LOG_Q}&format=csv&asOf=${seq}`));
  out.set('compliance.json', await text(`/export/compliance?${Q}&format=json&period=week&asOf=${seq}`));
  out.set('report', await text(`/export/report?${Q}&asOf=${seq}`));
  return out;
}

const node = (...args: string[]) => runNode(args);

beforeAll(async () => {
  dir = tempDataDir();
  server = await startTestServer({ logLevel: 'error', dataDir: dir });
  const events = [
    call({ id: 'c1', occurredAt: '2026-03-02T09:00:00Z', rings: 1 }),
    call({ id: 'c2', occurredAt: '2026-03-02T10:00:00Z', rings: 4 }),
    call({ id: 'c3', site: 'airport', occurredAt: '2026-03-09T10:00:00Z', outcome: 'abandoned', rings: 3 }),
    visit({ id: 'v1', occurredAt: '2026-03-10T11:00:00Z', greetSeconds: 12 }),
  ];
  expect((await server.postEvents({ events })).status).toBe(201);
  expect((await send('POST', '/events/c3/void', { reason: 'test call' })).status).toBe(201);
  expect((await send('POST', '/events/v1/amend', { reason: 'greeted slowly', changes: { greetSeconds: 40 } })).status).toBe(201);
  frozen = (await (await get('/audit/head')).json()) as { seq: number; hash: string };
  first = await exportsAsOf(frozen.seq);
  // Life goes on: a late event in the period, corrections of its events, more exports (audit-log entries).
  expect((await server.postEvents({ events: [call({ id: 'late', occurredAt: '2026-03-30T10:00:00Z', rings: 6 })] })).status).toBe(201);
  expect((await send('POST', '/events/c2/void', { reason: 'duplicate' })).status).toBe(201);
  expect((await send('POST', '/events/c1/amend', { reason: 'miscounted', changes: { rings: 7 } })).status).toBe(201);
  // A second correction of an event corrected before the link, and a later version of a standard the rows name.
  expect((await send('POST', '/events/v1/amend', { reason: 'greeted sooner after all', changes: { greetSeconds: 5 } })).status).toBe(201);
  await newVersion('call-answer-2-rings', { threshold: 3, validFrom: '2026-03-31T00:00:00Z' });
  // The events' site moves to UTC+14 (c2 at 10:00 UTC falls on the next local day there): as of the link, the report
  // still counts its days in the zone it had then.
  expect((await send('PATCH', '/sites/downtown', { timeZone: 'Pacific/Kiritimati' })).status).toBe(200);
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

describe('asOf', () => {
  it('reproduces every kind byte for byte after later events, corrections and exports touching the period', async () => {
    const again = await exportsAsOf(frozen.seq);
    for (const [kind, body] of first) expect(again.get(kind), kind).toBe(body);
    const events = first.get('events')!;
    expect(manifestOf(events)).toMatchObject({ chainHead: frozen, asOf: frozen.seq, rowCount: 4 });
    expect(firstLineOf(events).asOf).toBe(frozen.seq);
    expect(events).not.toContain('late');
    // The corrected view as of then: c3's void counts, c2's (later) does not.
    expect(events).toMatch(/,c3,[^\r]*,voided,void,/);
    expect(events).toMatch(/,c2,[^\r]*,(met|missed),,/);
  });

  it('as of then, the # correction and # standard lines are those chained by the link, and rows name the correction then in force', async () => {
    const lines = (csv: string, name: string) =>
      csv
        .split('\r\n')
        .filter((l) => l.startsWith(`# ${name} `))
        .map((l) => JSON.parse(l.slice(name.length + 3)) as { record: Record<string, unknown>; link: { seq: number } });
    // Made now, after the later corrections and version (the first copy was made before them).
    const events = await text(`/export/events?${Q}&format=csv&asOf=${frozen.seq}`);
    const compliance = await text(`/export/compliance?${Q}&format=csv&asOf=${frozen.seq}`);
    const live = await text(`/export/events?${Q}&format=csv`);
    const reasons = (csv: string) => lines(csv, 'correction').map((c) => c.record.reason);
    expect(reasons(live)).toEqual(expect.arrayContaining(['greeted slowly', 'greeted sooner after all', 'duplicate', 'miscounted']));
    expect(reasons(events).sort()).toEqual(['greeted slowly', 'test call']);
    const callVersions = (csv: string) => lines(csv, 'standard').filter((l) => l.record.id === 'call-answer-2-rings').map((l) => l.record.version);
    expect(callVersions(live)).toEqual([1, 2]);
    expect(callVersions(events)).toEqual([1]);
    for (const l of [...lines(events, 'correction'), ...lines(events, 'standard')]) expect(l.link.seq).toBeLessThanOrEqual(frozen.seq);
    // v1's rows carry the amendment in force then (its reason, unquoted), not the later one.
    expect(events.split('\r\n').find((l) => l.includes(',v1,'))).toContain(',greeted slowly,');
    expect(events).not.toContain('sooner');
    expect(manifestOf(events).completeness).toMatchObject({ toLinkSeq: frozen.seq });
    expect(manifestOf(compliance).chainHead).toEqual(frozen);
    expect(callVersions(compliance)).toEqual([1]);
    expect(callVersions(await text(`/export/compliance?${Q}&format=csv`))).toEqual([1, 2]);
  });

  it('fixes generatedAt at the time of that link, so the signature (Ed25519, deterministic) is the same too', async () => {
    const m = manifestOf(first.get('compliance')!);
    const links = (await (await get('/audit/verify')).json()) as { headSeq: number };
    expect(links.headSeq).toBeGreaterThan(frozen.seq);
    expect(Date.parse(m.generatedAt)).toBeLessThan(Date.now());
    expect(m.signature.value).toBe(manifestOf((await exportsAsOf(frozen.seq)).get('compliance')!).signature.value);
  });

  it('its compliance rows are the live rows of that moment, and differ from the live rows after the changes', async () => {
    const live = await text(`/export/compliance?${Q}&format=csv`);
    const asOfNow = await text(`/export/compliance?${Q}&format=csv&asOf=${manifestOf(live).chainHead.seq}`);
    expect(manifestOf(asOfNow).dataSha256).toBe(manifestOf(live).dataSha256);
    expect(manifestOf(live).dataSha256).not.toBe(manifestOf(first.get('compliance')!).dataSha256);
    const liveEvents = await text(`/export/events?${Q}&format=csv`);
    const eventsAsOfNow = await text(`/export/events?${Q}&format=csv&asOf=${manifestOf(liveEvents).chainHead.seq}`);
    expect(manifestOf(eventsAsOfNow).dataSha256).toBe(manifestOf(liveEvents).dataSha256);
  });

  it('leaves out audit-log entries chained after the link, and the reproduction verifies offline with the key', async () => {
    const log = first.get('audit-log')!;
    expect(log).toContain('event.void');
    expect(log).not.toContain('export.events');
    const key = ((await (await fetch(`${server.url}/api/v1/audit/public-key`)).json()) as { publicKey: string }).publicKey;
    const pem = join(dir, 'key.pem');
    writeFileSync(pem, key);
    for (const kind of ['events', 'audit-log', 'compliance', 'report'] as const) {
      const file = join(dir, `frozen-${kind}.${kind === 'report' ? 'html' : 'csv'}`);
      writeFileSync(file, first.get(kind)!);
      const r = await node(join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--public-key', pem, ...(kind === 'events' ? ['--head', frozen.hash] : []));
      expect(r.status, `${kind}: ${r.stdout}`).toBe(0);
    }
  });

  it('an empty incidents or alerts export says its rows come from live evaluation only, in the first line and the manifest', () => {
    for (const kind of ['incidents', 'alerts']) {
      const csv = first.get(kind)!;
      expect(manifestOf(csv).rowCount, kind).toBe(0);
      for (const fields of [firstLineOf(csv), manifestOf(csv)]) {
        expect(fields.evaluation.basis, kind).toBe('live');
        expect(fields.evaluation.covers, kind).toContain('times when no server was running, were never evaluated');
      }
    }
    expect(manifestOf(first.get('alerts')!).evaluation.covers).toContain('migration 10');
  });

  it('refuses an asOf that is not a seq of the chain: 400 naming asOf and why', async () => {
    const head = ((await (await get('/audit/head')).json()) as { seq: number }).seq;
    for (const [asOf, why] of [['abc', ''], ['0', ''], [String(head + 1000), 'after the chain head']] as const) {
      const res = await get(`/export/events?${Q}&asOf=${asOf}`);
      expect(res.status, asOf).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const answer = (await res.json()) as { type: string };
      expect(answer.type, asOf).toBe('https://ringside.dev/problems/invalid-query');
      const body = JSON.stringify(answer);
      expect(body).toContain('asOf');
      expect(body).toContain(why);
    }
    const past = (await (await get(`/export/events?${Q}&asOf=${head + 1000}`)).json()) as { detail: string };
    expect(past.detail).toBe(`asOf link ${head + 1000} is after the chain head (link ${head})`);
  });

  it('refuses an asOf whose range a retention cutoff pruned (400 naming asOf), and still reproduces the audit log', async () => {
    await server.close();
    server = await startTestServer({ logLevel: 'error', dataDir: dir, retainDays: 30 }); // prunes March at start
    expect(((await (await get('/audit/verify')).json()) as { pruned: number }).pruned).toBeGreaterThan(0);
    for (const kind of ['events', 'compliance', 'report']) {
      const res = await get(`/export/${kind}?${Q}&asOf=${frozen.seq}`);
      expect(res.status, kind).toBe(400);
      // Worded as every field problem is: the parameter, then what is wrong with it.
      const { detail, errors } = (await res.json()) as { detail: string; errors: Array<{ path: string; message: string }> };
      const why = `link ${frozen.seq} cannot be reproduced for a range starting before the retention cutoff`;
      expect(errors, kind).toEqual([{ path: 'asOf', message: expect.stringMatching(new RegExp(`^${why} \\S+ \\(checkpoint \\d+\\): the events it needs were pruned; start the range at or after the cutoff$`)) }]);
      expect(detail, kind).toBe(`asOf ${errors[0]!.message}`);
    }
    expect(await text(`/export/audit-log?${LOG_Q}&format=csv&asOf=${frozen.seq}`)).toBe(first.get('audit-log'));
  });
});
