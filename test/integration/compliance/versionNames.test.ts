// A figure over a range names each version that judged it: after a renaming with a new threshold (PATCH: a new
// version), a range judged by version 1 alone lists version 1 with its own name beside its own threshold, so a reader
// (the dashboard's tile and chart) titles it by the name of the rule it states, not by the name in force now.
import { afterAll, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const HOUR = 3_600_000;
const clock = testClock(T0);
let server: TestServer | undefined;
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

it('lists each judging version with its own name, the figure keeping the standard name in force now', async () => {
  server = await startTestServer({ clock });
  const calls = [1, 3, 2].map((rings, i) => ({ type: 'call', site: 'lobby', occurredAt: new Date(T0 - (i + 1) * 60_000).toISOString(), outcome: 'answered', rings }));
  expect((await server.postEvents({ events: calls })).status).toBe(201);
  await clock.advance(HOUR);
  const patched = await fetch(`${server.url}/api/v1/standards/call-answer-2-rings`, {
    method: 'PATCH',
    headers: { ...adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Calls answered within 3 rings', threshold: 3 }),
  });
  expect(patched.status).toBe(200);
  // Version 2 judges what happens from the PATCH on.
  await clock.advance(10 * 60_000);
  expect((await server.postEvents({ events: calls.map((c) => ({ ...c, occurredAt: new Date(clock.now() - 60_000).toISOString() })) })).status).toBe(201);

  const figure = async (fromMs: number, toMs: number) =>
    ((await server!.getJson(`/api/v1/compliance?standard=call-answer-2-rings&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`)).body as { standards: any[] }).standards[0];
  const before = await figure(T0 - HOUR, T0);
  expect(before.standardName).toBe('Calls answered within 3 rings');
  expect(before.versions.map((v: any) => [v.version, v.threshold, v.name])).toEqual([[1, 2, 'Calls answered within 2 rings']]);
  const both = await figure(T0 - HOUR, clock.now());
  expect(both.versions.map((v: any) => [v.version, v.threshold, v.name])).toEqual([
    [1, 2, 'Calls answered within 2 rings'],
    [2, 3, 'Calls answered within 3 rings'],
  ]);
});
