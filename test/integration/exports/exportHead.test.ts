// A HEAD of an export answers what a GET would start with (its status, or the refusal of its key or parameters)
// without running it: no report built, no export logged. A client checks its key this way before asking where to save.
import { describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
const api = (path: string, init: RequestInit = {}, key = server().apiKey) => fetch(`${server().url}/api/v1${path}`, { ...init, headers: { ...adminHeaders(key), ...(init.headers ?? {}) } });

async function loggedReports(): Promise<number> {
  const res = await api('/export/audit-log?from=2000-01-01T00:00:00Z&format=json');
  const body = (await res.json()) as { rows: Array<{ action: string }> };
  return body.rows.filter((r) => r.action === 'export.report').length;
}

describe('HEAD of an export', () => {
  it('answers the report’s headers without building it or logging an export', async () => {
    expect((await server().postEvents({ events: [call({ id: 'head-1' })] })).status).toBe(201);
    const before = await loggedReports();
    const head = await api('/export/report?from=2000-01-01T00:00:00Z', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await loggedReports()).toBe(before);
    // A GET of the same is built and logged.
    const got = await api('/export/report?from=2000-01-01T00:00:00Z');
    expect(got.status).toBe(200);
    expect(await got.text()).toContain('<html');
    expect(await loggedReports()).toBe(before + 1);
  });

  it('refuses a key without the audit scope, and a bad parameter, as the GET would', async () => {
    const created = await api('/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'wall', scopes: ['read'] }) });
    const readKey = ((await created.json()) as { key: string }).key;
    for (const path of ['/export/report', '/export/compliance?format=csv']) {
      expect((await api(path, { method: 'HEAD' }, readKey)).status).toBe(403);
      expect((await api(path, {}, readKey)).status).toBe(403);
    }
    expect((await api('/export/report?from=soon', { method: 'HEAD' })).status).toBe(400);
  });

  it('says what the GET says of the file, for every export: no-store (a cache must not keep what it describes), its type and its name', async () => {
    // The name's time is when it was asked: the same but for its digits.
    const fileHeaders = (res: Response) => [res.headers.get('cache-control'), res.headers.get('content-type'), res.headers.get('content-disposition')?.replace(/\d/g, 'N')];
    for (const path of ['/export/events?format=csv', '/export/milestones?format=ndjson', '/export/compliance?format=json', '/export/incidents', '/export/alerts', '/export/audit-log', '/export/report']) {
      const head = await api(path, { method: 'HEAD' });
      expect([path, head.status, head.headers.get('cache-control')]).toEqual([path, 200, 'no-store']);
      const got = await api(path);
      await got.arrayBuffer();
      expect([path, ...fileHeaders(head)]).toEqual([path, ...fileHeaders(got)]);
    }
  });
});
