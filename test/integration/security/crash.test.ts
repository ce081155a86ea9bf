// Crash test: a child-process server (the built CLI) takes a stream of events from a client that
// records every 2xx; it is SIGKILLed at random moments (after a random number of acknowledged requests, with
// more in flight); after each restart every acknowledged event is stored
// exactly once (checked in the SQLite file and through the API: re-posting an acknowledged event is a duplicate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { buildServer, startCli } from '../support/cli';
import { call, removeDir, tempDataDir } from '../support/testServer';

const KEY = 'rs_crash-test-key-0123456789abcdef';
const ROUNDS = 5;
const dir = tempDataDir();
/** One fixed time for every event, so a re-post after the crashes has the same content (an idempotent retry). */
const AT = new Date(Date.now() - 60_000).toISOString();
beforeAll(buildServer);
afterAll(() => removeDir(dir));

/** Sends events with `concurrency` requests in flight until the server dies; returns the acknowledged ids. */
async function stream(url: string, round: number, concurrency: number, acked: Set<string>, onAck: () => void): Promise<{ acked: Set<string>; sent: number }> {
  let n = 0;
  let dead = false;
  const worker = async (w: number) => {
    while (!dead) {
      // Mixed: single events and small batches, so a kill can land inside a multi-event transaction.
      const size = (n % 3) + 1;
      const ids = Array.from({ length: size }, (_, i) => `r${round}-w${w}-${n}-${i}`);
      n += 1;
      const body = size === 1 ? call({ id: ids[0], occurredAt: AT }) : { events: ids.map((id) => call({ id, occurredAt: AT })) };
      try {
        const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
        if (res.status >= 200 && res.status < 300) ids.forEach((id) => acked.add(id));
        else throw new Error(`unexpected ${res.status}`);
        onAck();
        await res.arrayBuffer();
      } catch (error) {
        if ((error as Error).message.startsWith('unexpected')) throw error;
        dead = true; // connection refused/reset: the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { acked, sent: n };
}

function storedIds(): Map<string, number> {
  const db = openDatabase(dir);
  try {
    const rows = db.prepare('SELECT id, COUNT(*) AS n FROM events GROUP BY id').all() as Array<{ id: string; n: number }>;
    const check = db.pragma('integrity_check', { simple: true });
    expect(check).toBe('ok');
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    db.close();
  }
}

describe('kill -9 at random moments', () => {
  it(`keeps every acknowledged event exactly once over ${ROUNDS} crashes`, async () => {
    const allAcked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startCli(['--port', '0', '--data', dir, '--rate-limit', '0', '--log-level', 'warn'], { RINGSIDE_API_KEY: KEY });
      // A random moment in the stream: after this many acknowledged requests, while seven more are in flight.
      const killAfter = 1 + Math.floor(Math.random() * 200);
      let answered = 0;
      const { acked } = await stream(server.url, round, 8, new Set(), () => {
        if (++answered === killAfter) server.child.kill('SIGKILL');
      });
      expect(await server.exit).toBeNull(); // killed, not exited
      expect(acked.size).toBeGreaterThan(0);
      acked.forEach((id) => allAcked.add(id));
      console.info(`crash round ${round}: killed after ${killAfter} acknowledged requests, ${acked.size} events acknowledged this round`);

      const stored = storedIds();
      const missing = [...allAcked].filter((id) => !stored.has(id));
      expect(missing, `round ${round}: acknowledged but lost`).toEqual([]);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
    }
    // After the last crash, a restarted server answers every acknowledged event as a duplicate (200, nothing new).
    const server = await startCli(['--port', '0', '--data', dir, '--rate-limit', '0', '--log-level', 'warn'], { RINGSIDE_API_KEY: KEY });
    try {
      const ids = [...allAcked];
      for (let i = 0; i < ids.length; i += 2000) {
        const events = ids.slice(i, i + 2000).map((id) => call({ id, occurredAt: AT }));
        const res = await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ events }) });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { results: Array<{ duplicate: boolean }> };
        expect(body.results.every((r) => r.duplicate)).toBe(true);
      }
      expect(storedIds().size).toBeGreaterThanOrEqual(allAcked.size);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  }, 120_000);
});
