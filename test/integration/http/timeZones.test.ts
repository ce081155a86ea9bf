// A time zone is accepted in any letter case and stored and echoed in its own spelling: a report, an export's
// manifest and rows, a site and the standards file all say "Europe/Berlin", however the zone was written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalTimeZone } from '../../../server/src/protocol';
import { manifestOf } from '../support/exportApi';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  dir = tempDataDir();
  const file = join(dir, 'standards.yaml');
  writeFileSync(file, 'sites:\n  - id: quay\n    timeZone: ASIA/TOKYO\n');
  server = await startTestServer({ dataDir: dir, standardsFile: file });
  expect((await server.postEvents(call({ site: 'downtown' }))).status).toBe(201);
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}/api/v1${path}`, { headers: adminHeaders(server.apiKey) });
  return { status: res.status, text: await res.text() };
};

describe('time zones in any letter case', () => {
  it('are spelt as IANA spells them', () => {
    expect(['utc', 'Utc', 'europe/berlin', 'EUROPE/BERLIN', 'america/port_of_spain', 'Europe/Berlin'].map(canonicalTimeZone)).toEqual([
      'UTC',
      'UTC',
      'Europe/Berlin',
      'Europe/Berlin',
      'America/Port_of_Spain',
      'Europe/Berlin',
    ]);
    expect(canonicalTimeZone('Mars/Base')).toBeNull();
    // A name the zone data lists only as a link is kept as written; all in one case, it is the zone linked to.
    expect(canonicalTimeZone('US/Eastern')).toBe('US/Eastern');
    expect(canonicalTimeZone('us/eastern')).toBe('America/New_York');
  });

  it('are echoed so by the reports', async () => {
    for (const path of ['/compliance?tz=utc&window=1h', '/distribution?tz=europe/berlin&window=1h']) {
      const res = await get(path);
      expect(res.status, res.text).toBe(200);
      expect(JSON.parse(res.text).timeZone ?? JSON.parse(res.text).range?.timeZone, path).toBe(path.includes('berlin') ? 'Europe/Berlin' : 'UTC');
    }
  });

  it('are written so into an export\'s manifest and rows', async () => {
    const csv = await get('/export/compliance?tz=europe/berlin&format=csv');
    expect(csv.status).toBe(200);
    expect(manifestOf(csv.text).timeZone).toBe('Europe/Berlin');
    const rows = csv.text.split('\r\n').filter((line) => line !== '' && !line.startsWith('#')).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(',')[3]).toBe('Europe/Berlin');
  });

  it('are stored so for a site, over the API and from the standards file', async () => {
    const post = await fetch(`${server.url}/api/v1/sites`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ id: 'pier', timeZone: 'europe/berlin' }) });
    expect(post.status).toBe(201);
    expect((await post.json()).timeZone).toBe('Europe/Berlin');
    expect(JSON.parse((await get('/sites/pier')).text).timeZone).toBe('Europe/Berlin');
    expect(JSON.parse((await get('/sites/quay')).text).timeZone).toBe('Asia/Tokyo');
  });
});
