// A compliance export or report walks its periods: a range of more than the limit is refused before anything is
// read (400 naming the parameter). A real server on 127.0.0.1:0 with its own store (SQLite, or
// PostgreSQL in the integration-postgres project).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ComplianceReader } from '../../../server/src/services/compliance';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;
const get = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${path}`, { ...init, headers: adminHeaders(server.apiKey) });

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'error' });
  const events = [call({ id: 'a', occurredAt: '2001-01-01T10:00:00Z' }), call({ id: 'b', occurredAt: '2013-06-01T10:00:00Z', rings: 4 }), call({ id: 'c', occurredAt: '2025-08-21T10:00:00Z' })];
  expect((await server.postEvents({ events })).status).toBe(201);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

describe('the limit on periods', () => {
  it('refuses a compliance export of more than 10,000 periods with a 400 naming period, before reading anything', async () => {
    const reads = vi.spyOn(ComplianceReader.prototype, 'siteSums');
    const res = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=day&format=json');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.type).toMatch(/invalid-query$/);
    expect(body.errors).toEqual([{ path: 'period', message: expect.stringContaining('too many day periods between from and to (max 10000)') }]);
    expect(reads).not.toHaveBeenCalled();
  });

  it('takes the same range in months (1,561 periods), and refuses weeks only past the limit', async () => {
    const months = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=month&format=csv');
    expect(months.status).toBe(200);
    expect(await months.text()).toContain('# manifest ');
    const weeks = await get('/export/compliance?from=1970-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&period=week&format=csv');
    expect(weeks.status).toBe(400);
    expect((await weeks.json()).errors).toEqual([{ path: 'period', message: expect.stringContaining('too many week periods') }]);
  });

  it('refuses a report of more than 10,000 days whatever its period, naming to', async () => {
    const res = await get('/export/report?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&period=month');
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'to', message: expect.stringContaining('too many days (the report lists every day of each site) between from and to (max 10000)') }]);
  });

  it('still caps /compliance buckets by the same rule', async () => {
    const res = await get('/compliance?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour');
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'bucket', message: expect.stringContaining('too many hour buckets between from and to (max 10000)') }]);
  });
});
