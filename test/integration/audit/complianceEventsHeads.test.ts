// verify-export.mjs --events recomputes a compliance export's rows from an events export. Two honest files made at
// different chain heads differ by what was chained in between (here a void): the verifier must say that first, not
// leave the auditor with row differences that read like a forged file. Real server, real exports, the script as a
// child process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runNode } from '../support/cli';
import { adminHeaders, call, chainHead, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
const iso = (ms: number) => new Date(ms).toISOString();

async function saved(name: string, path: string): Promise<string> {
  const res = await fetch(`${server().url}/api/v1${path}`, { headers: adminHeaders(server().apiKey) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const file = join(server().dataDir, name);
  writeFileSync(file, text);
  return file;
}

it('names the differing chain heads before the rows when a compliance export and its events export were made at different heads', async () => {
  const now = Date.now();
  const Q = `from=${iso(now - 3_600_000)}&to=${iso(now)}&tz=UTC`;
  const events = Array.from({ length: 4 }, (_, i) => call({ id: `c${i}`, occurredAt: iso(now - (20 - i) * 60_000), rings: i === 0 ? 4 : 1 }));
  expect((await server().postEvents({ events })).status).toBe(201);
  const before = await chainHead(server());

  const compliance = await saved('compliance.csv', `/export/compliance?${Q}&period=day&format=csv&asOf=${before.seq}`);
  const sameHead = await saved('events-same.csv', `/export/events?${Q}&format=csv&asOf=${before.seq}`);
  const agreed = await runNode(['scripts/verify-export.mjs', compliance, '--events', sameHead]);
  expect(agreed.status, agreed.stdout).toBe(3); // every row agrees; without the key the events export's start is not proven
  expect(agreed.stdout).toMatch(/^NOT PROVEN: /);

  const voided = await fetch(`${server().url}/api/v1/events/c1/void`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test call' }) });
  expect(voided.status).toBe(201);
  const after = await chainHead(server());
  const later = await saved('events-later.csv', `/export/events?${Q}&format=csv&asOf=${after.seq}`);
  const r = await runNode(['scripts/verify-export.mjs', compliance, '--events', later]);
  expect(r.status, r.stdout).toBe(1);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toMatch(/^FAILED/);
  expect(lines[1]).toBe(
    `  the events export ${later} was made at chain head ${after.seq}, this file at ${before.seq}: records chained in between (late events, corrections, standard versions) change the sums, so the differences below may be theirs; export both with the same asOf=<seq>`,
  );
  expect(r.stdout).toMatch(/numerator is \d+, but the events give \d+/);
});
