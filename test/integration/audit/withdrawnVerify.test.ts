// A version withdrawn before it took effect never judged anything, so an export made after its validFrom has passed
// must not offer it to the offline verifier as a version of the standard: the verifier checks each compliance row's
// name, formula and target against the version in force at the period's end, and a withdrawn one with another target
// would make an untouched export fail. A real server on a test clock, the export verified by scripts/verify-export.mjs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from '../engine/support';
import { runNode } from '../support/cli';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir } from '../support/testServer';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const clock = testClock(T0);
let server: EngineServer;
beforeAll(async () => {
  server = await startEngineServer({ clock });
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

describe('an export after a withdrawn version would have taken effect', () => {
  it('verifies offline: the withdrawn version is not among its standard records', async () => {
    const created = await server.send('POST', '/api/v1/standards', { id: 'lobby-20s', name: 'Lobby calls within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8 });
    expect(created.status).toBe(201);
    const scheduled = await server.send('PATCH', '/api/v1/standards/lobby-20s', { name: 'Lobby calls within 25 s', threshold: 25, target: 0.5, validFrom: iso(T0 + 10 * 60_000) });
    expect(scheduled.body).toMatchObject({ version: 2 });
    expect((await server.send('DELETE', '/api/v1/standards/lobby-20s/versions/2')).status).toBe(200);

    await clock.advance(30 * 60_000);
    const events = Array.from({ length: 10 }, (_, i) => ({ id: `lobby-${i}`, type: 'call', site: 'lobby', occurredAt: iso(T0 + (15 + i) * 60_000), outcome: 'answered', answerSeconds: i < 7 ? 10 : 40 }));
    expect((await server.postEvents({ events })).status).toBe(201);

    for (const kind of ['compliance', 'events']) {
      const res = await fetch(`${server.url}/api/v1/export/${kind}?from=${iso(T0)}&to=${iso(T0 + 30 * 60_000)}&standard=lobby-20s&format=csv`, { headers: adminHeaders(server.apiKey) });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('Lobby calls within 20 s');
      const file = join(server.dataDir, `${kind}.csv`);
      writeFileSync(file, text);
      const check = await runNode(['scripts/verify-export.mjs', file, '--json']);
      expect([kind, check.status, check.stdout]).toEqual([kind, 0, expect.any(String)]);
    }
  });
});
