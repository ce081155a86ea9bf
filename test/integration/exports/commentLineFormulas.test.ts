// A spreadsheet opening a CSV export splits its "#" records at their commas as it splits every line: text from
// the data (a site listed after another in the filters, a correction's reason holding a comma) must not start a
// cell with a character that makes it a formula, while JSON.parse of each record still gives the values as stored
// and the offline script still verifies the file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';
import { runNode } from '../support/cli';

const server = useTestServer({ logLevel: 'error' });
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-04-01T00:00:00Z';
const RISKY_SITES = ['=2+3', '-1+9', '@SUM(1)', '+cmd'];
const SITES = ['downtown', ...RISKY_SITES];
const REASON = 'typo,=HYPERLINK("http://example.com") ,-1+9,@x';

const get = (path: string) => fetch(`${server().url}${path}`, { headers: adminHeaders(server().apiKey) });
const siteQuery = SITES.map((s) => `&site=${encodeURIComponent(s)}`).join('');

beforeAll(async () => {
  const events = SITES.map((site, i) => call({ id: `e${i}`, site, occurredAt: `2026-03-02T09:0${i}:00Z`, rings: 1 }));
  expect((await server().postEvents({ events })).status).toBe(201);
  const voided = await fetch(`${server().url}/api/v1/events/e0/void`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: REASON }) });
  expect(voided.status).toBe(201);
});

/**
 * The cells a spreadsheet makes of a line that starts no quoted cell: a new cell at the line's start and after
 * every comma, read from after an opening quote when it has one. Which commas a spreadsheet honours depends on its
 * quote handling; every one is taken, so no reading of the line starts a formula.
 */
function cellStarts(line: string): string[] {
  const starts = [line, ...[...line.matchAll(/,/g)].map((m) => line.slice(m.index + 1))];
  return starts.map((s) => s.replace(/^"/, '').slice(0, 12));
}

describe('the "#" records of a CSV export', () => {
  for (const kind of ['events', 'compliance']) {
    it(`${kind}: no cell a spreadsheet makes of them starts a formula; the JSON reads as stored; the file verifies`, async () => {
      const res = await get(`/api/v1/export/${kind}?from=${FROM}&to=${TO}${siteQuery}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const records = text.split('\r\n').filter((l) => l.startsWith('# '));
      expect(records.length).toBeGreaterThan(2);
      for (const line of records) {
        const risky = cellStarts(line).filter((cell) => /^[=+\-@]/.test(cell) && !/^-\d+(?:[.,\]}]|$)/.test(cell));
        expect(risky, line).toEqual([]);
      }
      const json = (prefix: string) => JSON.parse(records.find((l) => l.startsWith(prefix))!.slice(prefix.length));
      expect(json('# ringside-export ').filters.sites).toEqual(SITES);
      expect(json('# manifest ').filters.sites).toEqual(SITES);
      if (kind === 'events') expect(json('# correction ').record.reason).toBe(REASON);
      const file = join(server().dataDir, `${kind}.csv`);
      writeFileSync(file, text);
      // Signed over the values, not the line's text: the escapes leave the signature good.
      const key = join(server().dataDir, 'public-key.json');
      writeFileSync(key, await (await fetch(`${server().url}/api/v1/audit/public-key`)).text());
      const verified = await runNode([join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--public-key', key]);
      expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    });
  }
});
