// The audit report's site register names who made each change of a site: the key whose audit entry was chained
// with it. Two changes in the same millisecond by two keys (the server's clock stands still here) are each
// credited to their own key; a change with no audit entry (a site's first event) to what made it. Both backends.
import { beforeAll, describe, expect, it } from 'vitest';
import { adminApi } from '../support/exportApi';
import { testClock } from '../support/testClock';
import { call, useTestServer } from '../support/testServer';

const NOW = Date.parse('2026-03-20T12:00:00.000Z');
const server = useTestServer({ clock: testClock(NOW) });
const { send, text } = adminApi(() => server());

/** A new admin key named `name`, and a request made with it. */
async function keyOf(name: string): Promise<(method: string, path: string, body: unknown) => Promise<Response>> {
  const res = await send('POST', '/keys', { name, scopes: ['admin'] });
  expect(res.status).toBe(201);
  const { key } = (await res.json()) as { key: string };
  return (method, path, body) => fetch(`${server().url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The site register's rows of `site` in the report (section 5): each change and who made it, without key ids. */
function changesOf(report: string, site: string): string[] {
  const register = report.slice(report.indexOf('<h2>5. '), report.indexOf('<h2>6. '));
  const start = register.indexOf(`<h3>${site} `);
  const end = register.indexOf('<h3>', start + 1);
  const section = register.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/<td>([\w-]+)<br><span class="muted">by ([^<]+?)(?: \(k_\w+\))?<\/span>/g)].map(([, change, by]) => `${change} by ${by}`);
}

beforeAll(async () => {
  const alice = await keyOf('alice');
  const bob = await keyOf('bob');
  const created = await alice('POST', '/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' });
  expect(created.status, await created.text()).toBe(201);
  expect((await bob('PATCH', '/sites/harbour', { name: 'Harbour Clinic' })).status).toBe(200);
  expect((await alice('PATCH', '/sites/harbour', { ringCycleSeconds: 5 })).status).toBe(200);
  expect((await server().postEvents({ events: [call({ site: 'harbour', occurredAt: '2026-03-20T10:00:00Z' }), call({ site: 'pier', occurredAt: '2026-03-20T11:00:00Z' })] })).status).toBe(201);
  expect((await bob('PATCH', '/sites/pier', { name: 'Pier' })).status).toBe(200);
});

describe('the audit report credits each site change', () => {
  it('to the key that made it, for changes in the same millisecond too', async () => {
    const report = await text('/export/report?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&tz=UTC');
    expect(changesOf(report, 'Harbour Clinic')).toEqual(['created by alice', 'updated by bob', 'updated by alice']);
    expect(changesOf(report, 'Pier')).toEqual(['auto-created by its first event', 'updated by bob']);
  });
});
