// The incidents export: one row per incident change (opened, escalated, acknowledged, recovered) with its summary and
// SRE detail; the CSV verifies offline (manifest hash).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { calls, MINUTE, NO_HOLDS, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { adminHeaders, useTestServer } from '../support/testServer';
import { runNode } from '../support/cli';

const clock = testClock(T0);

const server = useTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: NO_HOLDS } });

it('exports every change of every incident, oldest first, with who acknowledged', async () => {
  await server().postEvents({ events: calls(17, 2, T0 - MINUTE, 'harbour') }); // 89.5 %: amber
  await server().testApi.evaluateAlerts(); // the incident opens amber before the next batch could make it red
  await clock.skipTo(T0 + 1000);
  await server().postEvents({ events: calls(0, 8, T0 - MINUTE, 'harbour') }); // 17/27 = 62.96 %: red (reads 62.9 %)
  await server().testApi.evaluateAlerts(); // the escalation is recorded before the acknowledgement below
  const ack = await fetch(`${server().url}/api/v1/incidents/1/ack`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: '{"by":"ana"}' });
  expect(ack.status).toBe(200);
  await clock.skipTo(T0 + 2000);
  await server().postEvents({ events: calls(400, 0, T0 - MINUTE, 'harbour') }); // 417/427: recovered
  await server().testApi.evaluateAlerts(); // queued behind the evaluation the batch started (which may outlast the answer)
  const text = await (await fetch(`${server().url}/api/v1/export/incidents?from=${new Date(T0 - MINUTE).toISOString()}&to=${new Date(T0 + MINUTE).toISOString()}&format=csv`, { headers: adminHeaders(server().apiKey) })).text();
  const rows = parse<Record<string, string>>(text, { columns: true, comment: '#', comment_no_infix: true });
  expect(rows.map((r) => [r.change_seq, r.incident_id, r.change, r.severity, r.previous_severity, r.by, r.site])).toEqual([
    ['1', '1', 'opened', 'amber', '', '', 'harbour'],
    ['2', '1', 'escalated', 'red', 'amber', '', 'harbour'],
    ['3', '1', 'acknowledged', 'red', 'red', 'ana', 'harbour'],
    ['4', '1', 'recovered', 'red', 'red', '', 'harbour'],
  ]);
  expect(rows[0]).toMatchObject({ at: new Date(T0).toISOString(), incident_opened_at: new Date(T0).toISOString(), summary: 'harbour calls: 89.4 % answered within 2 rings in the last hour — target 90 %' });
  expect(rows[1]!.detail!.split('\n')[0]).toBe('Band over 1h: 62.9 % (17 of 27 met); amber below 90 %, red below 85 % → red');
  const file = join(server().dataDir, 'incidents.csv');
  writeFileSync(file, text);
  const keyFile = join(server().dataDir, 'public-key.json');
  writeFileSync(keyFile, JSON.stringify((await server().getJson('/api/v1/audit/public-key')).body));
  const signed = await runNode(['scripts/verify-export.mjs', file, '--public-key', keyFile]);
  expect(signed.status, signed.stdout).toBe(0);
  expect(signed.stdout).toMatch(/^VERIFIED: .*\(incidents, csv, 4 rows/);
  // Its rows are no chain records: without the key nothing proves them.
  const bare = await runNode(['scripts/verify-export.mjs', file]);
  expect(bare.status, bare.stdout).toBe(3);
  expect(bare.stdout).toMatch(/^NOT PROVEN: .*\(incidents, csv, 4 rows, data SHA-256 [0-9a-f]{64}; no --public-key\)\n/);
});
