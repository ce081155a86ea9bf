// A regression test (the bench's "ndjson export had 0 data rows" once, right after its fixture was written):
// an export must see every row committed before it starts, even rows written by another connection (the bench
// fixture, a CLI import) moments earlier, and must not end early while rows are still being written. A real
// server on 127.0.0.1:0 with a real SQLite file; a second connection writes as the bench fixture does.
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
const FROM = Date.parse('2026-02-01T00:00:00Z');
const TO = FROM + 86_400_000;

beforeAll(async () => {
  // The site and the default standards, through the server, so the fixture rows below are judged as usual.
  const first = await server().postEvents(call({ occurredAt: new Date(FROM - 1000).toISOString() }));
  expect(first.status).toBe(201);
});

/** Writes `n` answered calls (with judgements) with plain SQL on its own connection, as a fixture loader would. */
function writeElsewhere(n: number, offset: number): void {
  const db = openDatabase(server().dataDir);
  try {
    const event = db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content)
      VALUES (?, 'call', 'downtown', ?, ?, ?, 'answered', 1, 0, NULL, NULL, NULL, '["answerSeconds"]', '{}')`);
    const judgement = db.prepare(`INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason)
      VALUES (?, 'call-answer-2-rings', 1, 'rings', 1, 2, 1, 1, NULL)`);
    db.transaction(() => {
      for (let i = 0; i < n; i += 1) {
        const ms = FROM + (offset + i) * 1000;
        const seq = Number(event.run(`fresh-${offset + i}`, ms, new Date(ms).toISOString(), ms).lastInsertRowid);
        judgement.run(seq);
      }
    })();
  } finally {
    db.close();
  }
}

async function exportNdjson(): Promise<{ rows: number; manifest: { rowCount: number } }> {
  const res = await fetch(`${server().url}/api/v1/export/events?format=ndjson&from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`, { headers: adminHeaders(server().apiKey) });
  expect(res.status).toBe(200);
  const lines = (await res.text()).trimEnd().split('\n');
  const rows = lines.filter((l) => !/^{"(export|manifest|link|correction|standard)"/.test(l)).length;
  return { rows, manifest: JSON.parse(lines.at(-1)!).manifest };
}

describe('an export right after rows were written', () => {
  it('sees every row committed by another connection just before it starts', async () => {
    let written = 0;
    for (let round = 0; round < 8; round += 1) {
      writeElsewhere(250, written);
      written += 250;
      const out = await exportNdjson(); // at once: no pause between the commit and the request
      expect(out.rows).toBe(written);
      expect(out.manifest.rowCount).toBe(written);
    }
  });

  it('exports a consistent snapshot while rows keep arriving', async () => {
    const before = (await exportNdjson()).rows;
    const writing = (async () => {
      for (let i = 0; i < 5; i += 1) {
        writeElsewhere(100, 10_000 + i * 100);
        await new Promise((r) => setImmediate(r)); // let the export's request and stream make progress between writes
      }
    })();
    const during = await exportNdjson();
    await writing;
    // Whatever moment its snapshot was taken, the export is that snapshot whole: rows and manifest agree.
    expect(during.rows).toBe(during.manifest.rowCount);
    expect(during.rows).toBeGreaterThanOrEqual(before);
    expect((await exportNdjson()).rows).toBe(before + 500);
  });
});
