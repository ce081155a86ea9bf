// The compliance export's period labels are what docs/audit.md ("Compliance export") says they are, for day, week and
// month: the table there is read and every exported label is held to its format and its example. A range starting
// on a Saturday (its first week clipped) across the end of summer time in Europe/Berlin. Real server, real exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
// Saturday 24 October 2026, 00:00 in Berlin (summer time ends on the 25th) to Tuesday 3 November.
const FROM = '2026-10-24T00:00:00+02:00';
const TO = '2026-11-03T00:00:00+01:00';

/** The documented label of each period: [format, example], from docs/audit.md's table. */
function documentedLabels(): Map<string, { format: string; example: string }> {
  const doc = readFileSync(join(process.cwd(), 'docs', 'audit.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(day|week|month)` \| (.*?) \| `([^`]+)` \|$/gm)];
  return new Map(rows.map((m) => [m[1]!, { format: /`([^`]*YYYY[^`]*)`/.exec(m[2]!)![1]!, example: m[3]! }]));
}

/** A documented format (`week of YYYY-MM-DD`) as a pattern. */
const patternOf = (format: string) => new RegExp(`^${format.replace(/YYYY/, '\\d{4}').replace(/MM/, '\\d{2}').replace(/DD/, '\\d{2}')}$`);

async function rows(period: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${server().url}/api/v1/export/compliance?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}&tz=Europe/Berlin&period=${period}&standard=call-answer-2-rings&format=ndjson`, { headers: adminHeaders(server().apiKey) });
  expect(res.status).toBe(200);
  // The data lines: after the first line, before the `{"standard"}`, `{"link"}` and `{"manifest"}` lines.
  return (await res.text()).trim().split('\n').slice(1).map((l) => JSON.parse(l) as Record<string, unknown>).filter((v) => 'period' in v);
}

beforeAll(async () => {
  // A call at noon UTC every day of the range: every period has a row.
  const events = Array.from({ length: 10 }, (_, i) => call({ id: `c${i}`, occurredAt: new Date(Date.parse('2026-10-24T12:00:00Z') + i * 86_400_000).toISOString() }));
  expect((await server().postEvents({ events })).status).toBe(201);
});

describe('compliance period labels, as docs/audit.md documents them', () => {
  const expected: Record<string, Array<[label: string, start: string]>> = {
    day: [['2026-10-24', FROM], ['2026-10-25', '2026-10-25T00:00:00+02:00'], ['2026-10-26', '2026-10-26T00:00:00+01:00'], ...['27', '28', '29', '30', '31'].map((d): [string, string] => [`2026-10-${d}`, `2026-10-${d}T00:00:00+01:00`]), ['2026-11-01', '2026-11-01T00:00:00+01:00'], ['2026-11-02', '2026-11-02T00:00:00+01:00']],
    week: [['week of 2026-10-19', FROM], ['week of 2026-10-26', '2026-10-26T00:00:00+01:00'], ['week of 2026-11-02', '2026-11-02T00:00:00+01:00']],
    month: [['2026-10', FROM], ['2026-11', '2026-11-01T00:00:00+01:00']],
  };

  it('documents day, week and month, each with a format and an example', () => {
    expect([...documentedLabels().keys()].sort()).toEqual(['day', 'month', 'week']);
  });

  it.each(['day', 'week', 'month'])('%s', async (period) => {
    const doc = documentedLabels().get(period)!;
    const got = await rows(period);
    expect(got.map((r) => [r.period, r.period_start])).toEqual(expected[period]!.map(([label, start]) => [label, new Date(start).toISOString()]));
    for (const r of got) expect(r.period).toMatch(patternOf(doc.format));
    expect(got.map((r) => r.period)).toContain(doc.example);
  });
});
