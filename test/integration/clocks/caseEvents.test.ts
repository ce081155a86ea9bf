// A complaint posted as milestones becomes one judged event when it closes, through the one ingest path: it is
// counted in GET /compliance, listed in the event export with its measures (verified offline by the auditor's
// script), and the chain still verifies. Its milestones are in the milestone export, each row verified against
// its chain link. Runs on SQLite and (integration-postgres) on PostgreSQL.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { COMPLAINT_STANDARDS, postJson, postMilestones } from './support';
import { runNode } from '../support/cli';

const MONDAY_3PM = Date.parse('2026-06-01T15:00:00Z');
const HOUR = 3_600_000;
const clock = testClock(MONDAY_3PM);
const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']]));
const server = useTestServer({ clock });

const complaint = (caseId: string, milestone: string, atMs: number) => ({ type: 'complaint', site: 'harbour', caseId, milestone, at: new Date(atMs).toISOString() });
const RANGE = 'from=2026-06-01T00:00:00Z&to=2026-06-08T00:00:00Z';
/** The auditor's script with the server's public key: without it, where an export starts would not be proven. */
const verify = async (file: string) => {
  const key = join(server().dataDir, 'public-key.json');
  writeFileSync(key, await (await fetch(`${server().url}/api/v1/audit/public-key`)).text());
  return runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--public-key', key]);
};
const exported = async (path: string) => (await fetch(`${server().url}${path}`, { headers: { authorization: `Bearer ${server().apiKey}` } })).text();

beforeAll(async () => {
  for (const s of COMPLAINT_STANDARDS) expect((await postJson(server(), '/api/v1/standards', s)).status).toBe(201);
  expect((await postJson(server(), '/api/v1/sites', { id: 'harbour', timeZone: 'UTC', hours: weekdays })).status).toBe(201);
  // Both complaints came in on Monday 15:00 and were followed up on Wednesday 10:00; posted then, all at once.
  await clock.skipTo(MONDAY_3PM + 43 * HOUR + 60_000);
  const milestones = [
    // K-1: acknowledged after 1 business hour, resolved after 3, followed up 24 h after resolution: all met.
    complaint('K-1', 'received', MONDAY_3PM),
    complaint('K-1', 'acknowledged', MONDAY_3PM + HOUR),
    complaint('K-1', 'resolved', MONDAY_3PM + 19 * HOUR),
    complaint('K-1', 'followedUp', MONDAY_3PM + 43 * HOUR),
    // K-2: acknowledged Tuesday 12:00, 5 business hours after it came in (missed); resolved and followed up in time.
    complaint('K-2', 'received', MONDAY_3PM),
    complaint('K-2', 'acknowledged', MONDAY_3PM + 21 * HOUR),
    complaint('K-2', 'resolved', MONDAY_3PM + 25 * HOUR),
    complaint('K-2', 'followedUp', MONDAY_3PM + 43 * HOUR),
  ];
  expect((await postMilestones(server(), { milestones })).status).toBe(201);
});

describe('a closed complaint', () => {
  it('is counted in GET /compliance like calls and visits', async () => {
    const res = await server().getJson(`/api/v1/compliance?${RANGE}`);
    expect(res.status).toBe(200);
    const figures = Object.fromEntries((res.body.standards as any[]).map((s) => [s.standardId, [s.total, s.met, s.missed]]));
    expect(figures).toMatchObject({ 'complaint-ack-4bh': [2, 1, 1], 'complaint-resolve-3bd': [2, 2, 0], 'complaint-follow-up-2d': [2, 2, 0] });
  });

  it('is an event of its type in the event export, with its measures, verified offline; the chain verifies', async () => {
    const res = await fetch(`${server().url}/api/v1/export/events?${RANGE}&format=json`, { headers: { authorization: `Bearer ${server().apiKey}` } });
    const text = await res.text();
    const rows = (JSON.parse(text).rows as any[]).filter((r) => r.event_id === 'case:complaint:harbour:K-2');
    expect(rows.map((r) => [r.type, r.outcome, r.standard_id, r.value, r.result])).toEqual([
      ['complaint', 'followedUp', 'complaint-ack-4bh', 18_000, 'missed'],
      ['complaint', 'followedUp', 'complaint-follow-up-2d', 64_800, 'met'],
      ['complaint', 'followedUp', 'complaint-resolve-3bd', 32_400, 'met'],
    ]);
    // Wall-clock seconds of each measure (the standards judged business seconds where they say so).
    expect(JSON.parse(rows[0].measures)).toEqual({ acknowledgeSeconds: 75_600, resolveSeconds: 90_000, followUpSeconds: 64_800 });

    const file = join(server().dataDir, 'complaints.json');
    writeFileSync(file, text);
    const verified = await verify(file);
    expect(verified.stdout + verified.stderr).toMatch(/^VERIFIED/);
    expect((await server().getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true });
  });

  it('has its milestones in the milestone export, each row verified offline against its chain link', async () => {
    const csv = await exported(`/api/v1/export/milestones?${RANGE}&format=csv&site=harbour`);
    const file = join(server().dataDir, 'milestones.csv');
    writeFileSync(file, csv);
    const ok = await verify(file);
    expect(ok.stdout + ok.stderr).toMatch(/^VERIFIED: .* \(milestones, csv, 8 rows/);
    const json = JSON.parse(await exported(`/api/v1/export/milestones?${RANGE}&format=json`));
    expect(json.rows.filter((r: any) => r.case_id === 'K-2').map((r: any) => [r.milestone, r.at])).toEqual([
      ['received', '2026-06-01T15:00:00.000Z'],
      ['acknowledged', '2026-06-02T12:00:00.000Z'],
      ['resolved', '2026-06-02T16:00:00.000Z'],
      ['followedUp', '2026-06-03T10:00:00.000Z'],
    ]);

    // An acknowledgement moved an hour earlier in the file no longer hashes to its link.
    writeFileSync(file, readFileSync(file, 'utf8').replace('2026-06-02T12:00:00.000Z', '2026-06-02T11:00:00.000Z'));
    const altered = await verify(file);
    expect(altered.status).toBe(1);
    expect(altered.stdout + altered.stderr).toMatch(/does not hash to its chain link/);
  });

  it('can be voided (it counts no more) but not amended: its measures come from its milestones', async () => {
    const id = encodeURIComponent('case:complaint:harbour:K-2');
    const amend = await postJson(server(), `/api/v1/events/${id}/amend`, { reason: 'test', changes: { outcome: 'answered' } });
    expect(amend.status).toBe(400);
    expect(amend.body.errors.map((e: { path: string }) => e.path)).toEqual(['action']);
    expect((await postJson(server(), `/api/v1/events/${id}/void`, { reason: 'posted twice' })).status).toBe(201);
    const res = await server().getJson(`/api/v1/compliance?${RANGE}&standard=complaint-ack-4bh`);
    expect(res.body.standards[0]).toMatchObject({ total: 1, met: 1, missed: 0 });
  });
});
