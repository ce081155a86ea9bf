// POST /keys refuses a request it would have to read two ways, naming the field, and creates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

async function createKey(body: unknown) {
  const res = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
const keyCount = async () => ((await server.getJson('/api/v1/keys')).body.keys as unknown[]).length;

describe('key requests', () => {
  it('refuses scope and scopes together instead of ignoring one of them', async () => {
    const before = await keyCount();
    const res = await createKey({ name: 'wallboard', scopes: ['read'], scope: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/invalid-key-request$/), errors: [{ path: 'scope', message: 'cannot be combined with scopes: give one of them' }] });
    expect(await keyCount()).toBe(before);
    expect((await createKey({ name: 'wallboard', scope: 'read' })).body.scopes).toEqual(['read']);
  });
});
