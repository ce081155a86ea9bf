// Creating and revoking an API key is an admin action like a site or standard change: each is an audit-log entry,
// chained, naming who did it and the key (id, name, scopes, sites), never its secret; over the API and from the CLI.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, mainJs, runNode } from '../support/cli';
import { adminHeaders, databaseUrlOf, removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;

beforeAll(async () => {
  buildServer();
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function cli(...args: string[]): Promise<string> {
  const database = await databaseUrlOf(server.dataDir);
  const run = await runNode([mainJs, 'keys', ...args, '--data', server.dataDir, ...(database ? ['--database', database] : [])], { env: { ...process.env, RINGSIDE_API_KEY: '' } });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('API keys in the audit log', () => {
  it('records POST /keys, DELETE /keys/:id and the keys subcommand, with who, the key, never its secret', async () => {
    const created = await api('POST', '/keys', { name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'], expiresAt: '2099-01-01T00:00:00Z' });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { key: string; id: string };
    expect((await api('DELETE', `/keys/${key.id}`)).status).toBe(200);
    expect((await api('DELETE', `/keys/${key.id}`)).status).toBe(200); // already revoked: nothing changes, nothing logged
    expect((await api('DELETE', '/keys/k_nosuchkey000')).status).toBe(404);

    const cliSecret = (await cli('create', '--name', 'auditor 2026', '--scope', 'audit')).trim();
    const cliKey = ((await (await api('GET', '/keys')).json()) as { keys: Array<{ id: string; name: string }> }).keys.find((k) => k.name === 'auditor 2026')!;
    await cli('revoke', '--id', cliKey.id);

    const res = await api('GET', '/export/audit-log?from=2000-01-01T00:00:00Z&format=json');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(key.key);
    expect(text).not.toContain(cliSecret);
    expect(text).not.toContain(key.key.slice(0, 7)); // nor the secret's first characters (the key's listed prefix)
    const rows = (JSON.parse(text) as { rows: Array<Record<string, any>> }).rows.filter((r) => String(r.action).startsWith('key.'));
    expect(rows.map((r) => ({ key_id: r.key_id, action: r.action, target: r.target, details: JSON.parse(r.details), chained: r.link_seq !== null }))).toEqual([
      { key_id: 'env', action: 'key.create', target: key.id, details: { name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'], expiresAt: '2099-01-01T00:00:00.000Z', source: 'api' }, chained: true },
      { key_id: 'env', action: 'key.revoke', target: key.id, details: { name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'], expiresAt: '2099-01-01T00:00:00.000Z' }, chained: true },
      { key_id: 'cli', action: 'key.create', target: cliKey.id, details: { name: 'auditor 2026', scopes: ['audit'], sites: null, expiresAt: null, source: 'cli' }, chained: true },
      { key_id: 'cli', action: 'key.revoke', target: cliKey.id, details: { name: 'auditor 2026', scopes: ['audit'], sites: null, expiresAt: null }, chained: true },
    ]);
    expect(rows[0]!.key_name).toBe('RINGSIDE_API_KEY');
    expect((await (await api('GET', '/audit/verify')).json()) as object).toMatchObject({ intact: true });
  });

  it('records the admin key a fresh local server creates for itself, by system', async () => {
    const fresh = await startTestServer({ apiKey: '' });
    try {
      const admin = adminHeaders(readFileSync(fresh.adminKeyFile!, 'utf8').trim());
      const rows = ((await (await fetch(`${fresh.url}/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json`, { headers: admin })).json()) as { rows: Array<Record<string, any>> }).rows;
      expect(rows.filter((r) => r.action === 'key.create').map((r) => ({ key_id: r.key_id, details: JSON.parse(r.details) }))).toEqual([
        { key_id: 'system', details: { name: 'local admin (auto)', scopes: ['admin'], sites: null, expiresAt: null, source: 'auto' } },
      ]);
    } finally {
      await fresh.close();
      removeDir(fresh.dataDir);
    }
  });
});
