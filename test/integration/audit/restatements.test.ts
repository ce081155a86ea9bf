// Restatements: an export of a period touched by records chained after the period ended (a late event, a correction,
// a standard version in force in it created later) says so in its first line and manifest, and the report in a short
// section; asOf=<sinceSeq> reproduces the copy made when the period ended. Runs on an injected clock,
// on SQLite and (integration-postgres) on PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { adminApi, firstLineOf, manifestOf } from '../support/exportApi';
import { call, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { runNode } from '../support/cli';

const clock = testClock(Date.parse('2026-03-05T00:00:00Z'));
const dir = tempDataDir();
let server: TestServer;
const Q = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&tz=UTC';
let atEnd: string;

const { get, send, text, newVersion } = adminApi(() => server);

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'error', dataDir: dir, clock });
  // The airport's one call, in the period: a site untouched by what is chained after it ended.
  const events = [call({ id: 'c1', occurredAt: '2026-03-02T09:00:00Z', rings: 1 }), call({ id: 'c2', occurredAt: '2026-03-03T09:00:00Z', rings: 4 }), call({ id: 'a1', site: 'airport', occurredAt: '2026-03-03T10:00:00Z', rings: 1 })];
  expect((await server.postEvents({ events })).status).toBe(201);
  await text(`/export/alerts?${Q}&format=csv`); // an audit-log entry in the period
  await clock.skipTo(Date.parse('2026-04-02T00:00:00Z'));
  atEnd = await text(`/export/compliance?${Q}&format=csv`);
  // After the period ended: a late event, a void, and a version of a standard valid from the period's last day.
  expect((await server.postEvents({ events: [call({ id: 'late', occurredAt: '2026-03-30T10:00:00Z', rings: 6 })] })).status).toBe(201);
  expect((await send('POST', '/events/c1/void', { reason: 'test call' })).status).toBe(201);
  await newVersion('call-answer-2-rings', { threshold: 3, validFrom: '2026-03-31T00:00:00Z' });
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

describe('restatements', () => {
  it('an export made when the period ended has none', () => {
    expect(manifestOf(atEnd).restatements).toBeUndefined();
  });

  it('the compliance and event exports count what was chained after the period ended, in the first line and the manifest', async () => {
    for (const kind of ['compliance', 'events']) {
      const csv = await text(`/export/${kind}?${Q}&format=csv`);
      const r = manifestOf(csv).restatements;
      expect(r, kind).toMatchObject({ events: 1, corrections: 1, standardVersions: 1 });
      expect(r.sinceSeq).toBe(manifestOf(atEnd).chainHead.seq);
      expect(firstLineOf(csv).restatements).toEqual(r);
      const file = join(dir, `${kind}.csv`);
      writeFileSync(file, csv);
      const ok = await runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), file]);
      // Every check passes; without the key a compliance export's sums, and where an events export starts, are not
      // proven (NOT PROVEN, 3).
      expect(ok.status, kind).toBe(3);
      expect(ok.stdout, kind).toMatch(/^NOT PROVEN: /);
    }
    // Another site's changes do not touch this site's export.
    expect(manifestOf(await text(`/export/compliance?${Q}&format=csv&site=airport`)).restatements).toMatchObject({ events: 0, corrections: 0 });
  });

  it('asOf=sinceSeq reproduces the rows of the copy made when the period ended', async () => {
    const since = manifestOf(await text(`/export/compliance?${Q}&format=csv`)).restatements.sinceSeq as number;
    const then = await text(`/export/compliance?${Q}&format=csv&asOf=${since}`);
    expect(manifestOf(then).dataSha256).toBe(manifestOf(atEnd).dataSha256);
    expect(manifestOf(then).restatements).toBeUndefined();
  });

  it('the report says what was restated, in a short section', async () => {
    const html = await text(`/export/report?${Q}`);
    expect(html).toMatch(/<dt>Restated<\/dt><dd>Since chain record \d+ \(the last before the period ended\): 1 event\(s\) of the period stored after it ended; 1 correction\(s\) of its events; 1 standard version\(s\) in force in it, created after it\./);
  });
});

describe('the audit-log export of the period', () => {
  it('includes a later standard change in force in it, says why each row is there, and names the environment key as manifests do', async () => {
    const res = await get(`/export/audit-log?${Q}&format=json`);
    const body = JSON.parse(await res.text()) as { rows: Array<Record<string, any>>; manifest: Record<string, any> };
    const change = body.rows.find((r) => r.action === 'standard.update');
    expect(change).toMatchObject({ target: 'call-answer-2-rings', key_id: 'env', key_name: 'RINGSIDE_API_KEY' });
    expect(change!.included).toBe('affects the range: standard call-answer-2-rings version 2 is in force in it (valid from 2026-03-31T00:00:00.000Z)');
    // The logged body names the version the change created.
    expect(JSON.parse(change!.details as string).version).toBe(2);
    // The void was logged after the period too, but is not a standard change: the event export has it.
    expect(body.rows.some((r) => r.action === 'event.void')).toBe(false);
    expect(body.rows.filter((r) => r.included === 'in range').map((r) => r.action)).toEqual(['export.alerts']);
    expect(body.manifest.requestedBy).toEqual({ keyId: 'env', keyName: 'RINGSIDE_API_KEY' });
  });

  it('verifies offline: the later entries between the range and the change that affects it are not taken for deleted ones', async () => {
    const csv = await text(`/export/audit-log?${Q}&format=csv`);
    const file = join(dir, 'audit-log.csv');
    writeFileSync(file, csv);
    const run = (f: string) => runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), f]);
    const r = await run(file);
    // Every check passes (nothing named as deleted); where the entries start and end only the key proves (3).
    expect(r.status, r.stdout).toBe(3);
    expect(r.stdout).not.toMatch(/an entry was deleted/);
    // Between the two rows the proof passes the later void and exports (a gap that is not a deletion).
    expect(manifestOf(csv).rowCount).toBe(2);
  });
});
