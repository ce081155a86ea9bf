// A standard's target is a share above 0 and at most 1: a new definition outside that is refused naming the field and
// its range, while a version an older server stored with a target of 0 still loads, judges, answers and retires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardDefinitionSchema } from '../../../server/src/protocol';
import { parseStandardsConfig } from '../../../server/src/services/standardsFile';
import { openTestCore } from '../support/core';
import { adminHeaders, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const TARGET_RANGE = 'must be a share above 0 and at most 1 (0.9 for 90 %)';
const call = { name: 'Calls answered in 20 s', eventType: 'call', measure: 'answerSeconds', threshold: 20, target: 0.8, formula: 'F5' };

let server: TestServer;
let legacyDir: string;
beforeAll(async () => {
  // What a server before this bound could store: a version with target 0 (and an abandon "short" for two hours, which
  // is still allowed). The service stores what it is given (the bound is the input's), as that server's schema did.
  legacyDir = tempDataDir();
  const core = await openTestCore(legacyDir);
  try {
    const legacy = { ...standardDefinitionSchema.parse({ id: 'legacy', ...call }), target: 0, shortAbandonSeconds: 7_200 };
    await core.standards.create(legacy, null);
  } finally {
    await core.close();
  }
  server = await startTestServer({ dataDir: legacyDir });
});
afterAll(async () => {
  await server.close();
  removeDir(legacyDir);
});

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('the bounds of a standard\'s target', () => {
  it('refuses a target of 0 or less, or above 1 (90 for 90 %), naming the field and its range; takes 1', async () => {
    for (const target of [0, -0.1, 1.01, 90]) {
      const res = await send('POST', '/standards', { id: 'aim', ...call, target });
      expect([res.status, res.body.errors]).toEqual([400, [{ path: 'target', message: TARGET_RANGE }]]);
    }
    expect((await send('GET', '/standards/aim')).status).toBe(404);
    expect((await send('POST', '/standards', { id: 'aim', ...call, target: 1 })).status).toBe(201);
    expect((await send('PATCH', '/standards/aim', { id: 'aim', target: 0 })).body.errors).toEqual([{ path: 'target', message: TARGET_RANGE }]);
  });

  it('loads a stored version with a target of 0 and judges by it; a change of it must bring the target within', async () => {
    expect((await send('GET', '/standards/legacy')).body).toMatchObject({ version: 1, target: 0, shortAbandonSeconds: 7_200 });
    // An abandon after an hour and a half is short by the stored limit: not counted.
    const occurredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const posted = await send('POST', '/events', { type: 'call', site: 'lobby', occurredAt, outcome: 'abandoned', answerSeconds: 5_400 });
    expect(posted.body.results[0].judgements).toContainEqual(expect.objectContaining({ standardId: 'legacy', counted: false, reason: 'short-abandon' }));
    const figures = await send('GET', '/compliance?standard=legacy&window=7d');
    expect(figures.status).toBe(200);
    const range = `from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    const exported = await fetch(`${server.url}/api/v1/export/events?${range}&standard=legacy&format=csv`, { headers: adminHeaders(server.apiKey) });
    expect([exported.status, (await exported.text()).includes('short-abandon')]).toEqual([200, true]);
    // A change that keeps them is a new definition: refused naming both, nothing written.
    const renamed = await send('PATCH', '/standards/legacy', { id: 'legacy', name: 'Calls (renamed)' });
    expect([renamed.status, renamed.body.errors]).toEqual([400, [{ path: 'target', message: TARGET_RANGE }]]);
    expect((await send('PATCH', '/standards/legacy', { id: 'legacy', target: 0.8 })).body).toMatchObject({ version: 2, target: 0.8, shortAbandonSeconds: 7_200 });
    expect((await send('DELETE', '/standards/legacy')).status).toBe(200);
  });

  it('holds the standards file to it too: it is read again at every start, new input each time', () => {
    const file = 'standards:\n  - { id: legacy, name: Calls, eventType: call, measure: answerSeconds, threshold: 20, target: 0, shortAbandonSeconds: 7200 }\n';
    expect(parseStandardsConfig(file, 'yaml')).toEqual({
      ok: false,
      problems: [
        { path: 'standards.0.target', message: TARGET_RANGE },
      ],
    });
  });
});
