// The API never leaves a server without an admin key: revoking the last active one (the caller's own, say) is refused
// with 409 naming `id` and the safe order (another admin key first); RINGSIDE_API_KEY counts as one when set. The keys
// subcommand may still revoke it (its operator can write the store and make a key again) but warns; revoking twice
// says it was already revoked and when, exit 0, as DELETE answers 200 again with the first revocation kept.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, mainJs, runNode } from '../support/cli';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';

const dirs: string[] = [];
const clock = testClock();
beforeAll(buildServer);
afterAll(() => dirs.forEach(removeDir));

async function start(apiKey: string): Promise<TestServer> {
  const server = await startTestServer({ apiKey, clock });
  dirs.push(server.dataDir);
  return server;
}

const request = (server: TestServer, key: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(key), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
const keyIds = async (server: TestServer, key: string) => ((await (await request(server, key, 'GET', '/keys')).json()) as { keys: Array<{ id: string; source: string; status: string }> }).keys;
const cli = (...args: string[]) => runNode([mainJs, ...args], { env: { ...process.env, RINGSIDE_DATABASE_URL: '', RINGSIDE_API_KEY: '' } });

describe('revoking the last admin key over the API', () => {
  it('is refused (409 naming id and the safe order); with another admin key first it is revoked, and twice answers the first revocation', async () => {
    const server = await start('');
    try {
      const generated = readFileSync(server.adminKeyFile!, 'utf8').trim();
      const [own] = await keyIds(server, generated);
      const refused = await request(server, generated, 'DELETE', `/keys/${own!.id}`);
      expect(refused.status).toBe(409);
      const problem = (await refused.json()) as { type: string; errors: Array<{ path: string; message: string }> };
      expect(problem.type).toMatch(/last-admin-key$/);
      expect(problem.errors).toEqual([{ path: 'id', message: expect.stringMatching(/is the last active admin key: .*Create another admin key first \(POST \/api\/v1\/keys with scopes \["admin"\]\)/) }]);
      expect((await request(server, generated, 'GET', '/compliance')).status).toBe(200);

      const other = (await (await request(server, generated, 'POST', '/keys', { name: 'second admin', scopes: ['admin'] })).json()) as { key: string; id: string };
      const revoked = await request(server, other.key, 'DELETE', `/keys/${own!.id}`);
      expect(revoked.status).toBe(200);
      const first = ((await revoked.json()) as { revokedAt: string }).revokedAt;
      await clock.advance(60_000);
      const again = await request(server, other.key, 'DELETE', `/keys/${own!.id}`);
      expect(again.status).toBe(200);
      expect(((await again.json()) as { revokedAt: string }).revokedAt).toBe(first);
      // Now the second is the last one.
      expect((await request(server, other.key, 'DELETE', `/keys/${other.id}`)).status).toBe(409);
    } finally {
      await server.close();
    }
  });

  it('RINGSIDE_API_KEY counts as an admin key: with it set, the only stored admin key may be revoked', async () => {
    const envKey = 'rs_last-admin-env-key-0123456789abcdef';
    const server = await start(envKey);
    try {
      const stored = (await (await request(server, envKey, 'POST', '/keys', { name: 'only stored admin', scopes: ['admin'] })).json()) as { key: string; id: string };
      expect((await request(server, stored.key, 'DELETE', `/keys/${stored.id}`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('keys revoke', () => {
  it('says a key was already revoked, and when (exit 0); revokes the last admin key with a warning', async () => {
    const server = await start('');
    const generated = readFileSync(server.adminKeyFile!, 'utf8').trim();
    const [own] = await keyIds(server, generated);
    const reader = (await (await request(server, generated, 'POST', '/keys', { name: 'reader', scopes: ['read'] })).json()) as { id: string };
    await server.close();

    const first = await cli('keys', 'revoke', '--data', server.dataDir, '--id', reader.id);
    expect([first.status, first.stderr]).toEqual([0, `revoked ${reader.id}\n`]);
    const listed = JSON.parse((await cli('keys', 'list', '--data', server.dataDir)).stdout) as Array<{ id: string; revokedAt: string }>;
    const revokedAt = listed.find((k) => k.id === reader.id)!.revokedAt;
    const second = await cli('keys', 'revoke', '--data', server.dataDir, '--id', reader.id);
    expect([second.status, second.stderr]).toEqual([0, `${reader.id} was already revoked (at ${revokedAt}); nothing changed\n`]);

    const last = await cli('keys', 'revoke', '--data', server.dataDir, '--id', own!.id);
    expect(last.status).toBe(0);
    expect(last.stderr).toBe(
      `revoked ${own!.id}\nwarning: ${own!.id} was the last active admin key: no key can manage keys over the API now (a server started with RINGSIDE_API_KEY still takes that one); make another with keys create --scope admin\n`,
    );
  });
});
