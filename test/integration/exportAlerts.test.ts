// Issue #6: the alerts export, from the alerts engineer's table: one row per alert episode with start, end,
// duration, how it ended and the acknowledgement; the CSV verifies offline (manifest hash).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminHeaders, call, isoAgo, removeDir, startTestServer, type TestServer } from './support/testServer';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ alerts: { intervalMs: 0, throttleMs: 0, policy: { perSite: false } } });
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

const calls = (n: number, rings: number) => Array.from({ length: n }, () => call({ occurredAt: isoAgo(60), rings }));

it('exports alert episodes with start, end, duration and acknowledgement', async () => {
  await server.postEvents({ events: [...calls(10, 1), ...calls(10, 5)] }); // 50 %: red
  const firing = (await server.getJson('/api/v1/alerts')).body.alerts as Array<{ id: number; kind: string; state: string }>;
  const band = firing.find((a) => a.kind === 'band' && a.state === 'firing')!;
  expect(band).toBeDefined();
  const ack = await fetch(`${server.url}/api/v1/alerts/${band.id}/ack`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: '{}' });
  expect(ack.status).toBeLessThan(300);
  await server.postEvents({ events: calls(400, 1) }); // 410/420: back above target → recovered
  await server.testApi.evaluateAlerts();

  const text = await (await fetch(`${server.url}/api/v1/export/alerts?from=${isoAgo(3600)}&format=csv`, { headers: adminHeaders(server.apiKey) })).text();
  const rows = parse(text, { columns: true, comment: '#', comment_no_infix: true }) as Array<Record<string, string>>;
  const row = rows.find((r) => r.alert_id === String(band.id))!;
  expect(row).toMatchObject({ kind: 'band', standard_id: 'call-answer-2-rings', site: '(all sites)', end_reason: expect.stringMatching(/recovered|superseded/) });
  expect(Date.parse(row.ended_at!)).toBeGreaterThanOrEqual(Date.parse(row.started_at!));
  expect(Number(row.duration_seconds)).toBe((Date.parse(row.ended_at!) - Date.parse(row.started_at!)) / 1000);
  expect(row.acknowledged_at).toMatch(/^\d{4}-/);
  expect(row.acknowledged_by).not.toBe('');
  const file = join(server.dataDir, 'alerts.csv');
  writeFileSync(file, text);
  expect(spawnSync(process.execPath, ['scripts/verify-export.mjs', file], { encoding: 'utf8' }).stdout).toMatch(/^VERIFIED/);
});
