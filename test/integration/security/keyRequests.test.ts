// POST /keys refuses a request it would have to read two ways, or a scope it does not know, naming the field (and the
// value refused, with the scope it most likely mistypes, as the keys subcommand does), and creates nothing.
import { describe, expect, it } from 'vitest';
import { adminHeaders, useTestServer } from '../support/testServer';

const server = useTestServer();

async function createKey(body: unknown) {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
const keyCount = async () => ((await server().getJson('/api/v1/keys')).body.keys as unknown[]).length;

describe('key requests', () => {
  it('refuses scope and scopes together instead of ignoring one of them', async () => {
    const before = await keyCount();
    const res = await createKey({ name: 'wallboard', scopes: ['read'], scope: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/invalid-key-request$/), errors: [{ path: 'scope', message: 'cannot be combined with scopes: give one of them' }] });
    expect(await keyCount()).toBe(before);
    expect((await createKey({ name: 'wallboard', scope: 'read' })).body.scopes).toEqual(['read']);
  });

  it('names an unknown scope and the scope it most likely mistypes, as the keys subcommand does', async () => {
    const before = await keyCount();
    const allowed = 'must be one of ingest, read, audit, admin, metrics';
    const listed = await createKey({ name: 'wallboard', scopes: ['reed', 'root', 7, 'x'.repeat(50)] });
    expect([listed.status, listed.body.errors]).toEqual([
      400,
      [
        { path: 'scopes.0', message: `${allowed} (got "reed") (did you mean "read"?)` },
        { path: 'scopes.1', message: `${allowed} (got "root")` },
        { path: 'scopes.2', message: `${allowed} (got a number)` },
        { path: 'scopes.3', message: `${allowed} (got "${'x'.repeat(40)}…")` },
      ],
    ]);
    const one = await createKey({ name: 'wallboard', scope: 'admn' });
    expect([one.status, one.body.errors]).toEqual([400, [{ path: 'scope', message: `${allowed} (got "admn") (did you mean "admin"?)` }]]);
    expect(await keyCount()).toBe(before);
  });
});
