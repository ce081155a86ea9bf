// A version withdrawn before it took effect never judged anything, so an export made after its validFrom has passed
// must not offer it to the offline verifier as a version of the standard: the verifier checks each compliance row's
// name, formula and target against the version in force at the period's end, and a withdrawn one with another target
// would make an untouched export fail. And an export as of a link (asOf) shows a scheduled version as it stood then:
// withdrawn only if its withdrawal was chained by that link, told by their order in the chain, not their times, so a
// withdrawal in the link's own millisecond does not change it (same asOf, same bytes). So with a site's changes: the
// report as of a link shows those chained by it, not those of its millisecond. A real server on SQLite and on
// PostgreSQL (the integration-postgres project), on a test clock, the exports verified by scripts/verify-export.mjs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEngineServer } from '../engine/support';
import { runNode } from '../support/cli';
import { testClock } from '../support/testClock';
import { adminHeaders } from '../support/testServer';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const clock = testClock(T0);
const server = useEngineServer({ clock });

describe('an export after a withdrawn version would have taken effect', () => {
  it('verifies offline: the withdrawn version is not among its standard records', async () => {
    const created = await server().send('POST', '/api/v1/standards', { id: 'lobby-20s', name: 'Lobby calls within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8 });
    expect(created.status).toBe(201);
    const scheduled = await server().send('PATCH', '/api/v1/standards/lobby-20s', { name: 'Lobby calls within 25 s', threshold: 25, target: 0.5, validFrom: iso(T0 + 10 * 60_000) });
    expect(scheduled.body).toMatchObject({ version: 2 });
    expect((await server().send('DELETE', '/api/v1/standards/lobby-20s/versions/2')).status).toBe(200);

    await clock.advance(30 * 60_000);
    const events = Array.from({ length: 10 }, (_, i) => ({ id: `lobby-${i}`, type: 'call', site: 'lobby', occurredAt: iso(T0 + (15 + i) * 60_000), outcome: 'answered', answerSeconds: i < 7 ? 10 : 40 }));
    expect((await server().postEvents({ events })).status).toBe(201);

    for (const kind of ['compliance', 'events']) {
      const res = await fetch(`${server().url}/api/v1/export/${kind}?from=${iso(T0)}&to=${iso(T0 + 30 * 60_000)}&standard=lobby-20s&format=csv`, { headers: adminHeaders(server().apiKey) });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('Lobby calls within 20 s');
      const file = join(server().dataDir, `${kind}.csv`);
      writeFileSync(file, text);
      const check = await runNode(['scripts/verify-export.mjs', file, '--json']);
      // Every check passes; without the key a compliance export's sums, and where an events export starts, are not
      // proven (NOT PROVEN, 3).
      expect([kind, check.status, JSON.parse(check.stdout).verdict]).toEqual([kind, 3, 'not-proven']);
    }
  });
});

const head = async () => ((await server().send('GET', '/api/v1/audit/head')).body as { seq: number }).seq;
/** The compliance export (CSV) or the report (HTML) of the hour before `now`, with `filters`, as of link `asOf`. */
async function exportOfHourAsOf(kind: 'compliance' | 'report', now: number, filters: string, asOf: number): Promise<string> {
  const res = await fetch(`${server().url}/api/v1/export/${kind}?from=${iso(now - 3_600_000)}&to=${iso(now)}&${filters}&format=${kind === 'report' ? 'html' : 'csv'}&asOf=${asOf}`, { headers: adminHeaders(server().apiKey) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text;
}
/** The versions of a compliance export's `# standard` lines. */
const chainedVersions = (csv: string) =>
  csv
    .split('\r\n')
    .filter((l) => l.startsWith('# standard '))
    .map((l) => (JSON.parse(l.slice('# standard '.length)) as { record: { version: number } }).record.version);

describe('an export as of a link written in the same millisecond as a later withdrawal', () => {
  it('still shows the version scheduled, byte for byte; as of the withdrawal link it shows it withdrawn', async () => {
    const now = clock.now();
    const exportAsOf = (kind: 'compliance' | 'report', asOf: number) => exportOfHourAsOf(kind, now, 'standard=frozen-20s', asOf);
    expect((await server().send('POST', '/api/v1/standards', { id: 'frozen-20s', name: 'Frozen calls within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8 })).status).toBe(201);
    const events = Array.from({ length: 4 }, (_, i) => ({ id: `frozen-${i}`, type: 'call', site: 'lobby', occurredAt: iso(now - (40 - i) * 60_000), outcome: 'answered', answerSeconds: 10 }));
    expect((await server().postEvents({ events })).status).toBe(201);
    expect((await server().send('PATCH', '/api/v1/standards/frozen-20s', { threshold: 25, validFrom: '2099-01-01T00:00:00Z' })).body).toMatchObject({ version: 2 });

    // The clock stands still: every link from here on, the withdrawal's too, is written in the same millisecond.
    const before = await head();
    const compliance = await exportAsOf('compliance', before);
    const report = await exportAsOf('report', before);
    expect(chainedVersions(compliance)).toEqual([1, 2]);
    expect(report).toContain('2099-01-01');

    expect((await server().send('DELETE', '/api/v1/standards/frozen-20s/versions/2')).status).toBe(200);
    const after = await head();
    expect(clock.now()).toBe(now);
    expect(await exportAsOf('compliance', before)).toBe(compliance);
    expect(await exportAsOf('report', before)).toBe(report);
    const file = join(server().dataDir, 'frozen-compliance.csv');
    writeFileSync(file, compliance);
    // Every check passes; its sums are proven only with the key.
    const check = await runNode(['scripts/verify-export.mjs', file]);
    expect(check.stdout, check.stderr).toMatch(/^NOT PROVEN: .*; no --public-key\)/);

    // As of the link just before the withdrawal's (the last export's audit entry), still scheduled; as of the
    // withdrawal's own link (written just before its audit entry, the head after it), and later ones, withdrawn.
    expect(chainedVersions(await exportAsOf('compliance', after - 2))).toEqual([1, 2]);
    for (const asOf of [after - 1, after]) {
      expect(chainedVersions(await exportAsOf('compliance', asOf))).toEqual([1]);
      expect(await exportAsOf('report', asOf)).not.toContain('2099-01-01');
    }
  });
});

describe('a report as of a link written in the same millisecond as a later site change', () => {
  it('still shows the site as it was, byte for byte; as of the change link it shows the change', async () => {
    const now = clock.now();
    const reportAsOf = (asOf: number) => exportOfHourAsOf('report', now, 'standard=desk-20s&site=desk', asOf);
    expect((await server().send('POST', '/api/v1/standards', { id: 'desk-20s', name: 'Desk calls within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8 })).status).toBe(201);
    const events = Array.from({ length: 3 }, (_, i) => ({ id: `desk-${i}`, type: 'call', site: 'desk', occurredAt: iso(now - (30 - i) * 60_000), outcome: 'answered', answerSeconds: 10 }));
    expect((await server().postEvents({ events })).status).toBe(201);

    // The clock stands still: the site change's links are written in the same millisecond as the report's head.
    const before = await head();
    const report = await reportAsOf(before);
    expect(report).not.toContain('Front Desk');

    expect((await server().send('PATCH', '/api/v1/sites/desk', { name: 'Front Desk' })).status).toBe(200);
    const after = await head();
    expect(clock.now()).toBe(now);
    expect(await reportAsOf(before)).toBe(report);

    // The change's site link is written just before its audit entry's (the head after it): as of the link before
    // (the last report's audit entry) the site is as it was; as of the change's own link and later, renamed.
    expect(await reportAsOf(after - 2)).not.toContain('Front Desk');
    for (const asOf of [after - 1, after]) expect(await reportAsOf(asOf)).toContain('Front Desk');
  });
});
