// The built CLI: bootstrap key file, binding refusals, --no-auth, `keys create`, secret-free logs,
// SIGTERM draining an in-flight request.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mainJs, useCliScratch } from '../support/cli';
import { call } from '../support/testServer';

const { start, dataDir } = useCliScratch();
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('a fresh server on loopback without keys', () => {
  it('creates an admin key, writes it to <data>/admin.key with mode 0600, says where, and accepts it', async () => {
    const dir = dataDir();
    const s = await start(['--port', '0', '--data', dir]);
    const file = join(dir, 'admin.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    expect(key).toMatch(/^rs_/);
    expect(s.stderr()).toContain(file);
    expect((await fetch(`${s.url}/api/v1/compliance`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/v1/compliance`, { headers: bearer(key) })).status).toBe(200);
    // The secret is never logged, even though it was used and sent in headers.
    expect(s.stderr()).not.toContain(key);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    // A restart keeps the same key (no new file, no new key).
    const again = await start(['--port', '0', '--data', dir]);
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    expect((await fetch(`${again.url}/api/v1/compliance`, { headers: bearer(key) })).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses a non-loopback address without any key (exit 2, clear message), creating nothing', () => {
    const dir = join(dataDir(), 'new');
    const r = spawnSync(process.execPath, [mainJs, '--host', '0.0.0.0', '--port', '0', '--data', dir], { encoding: 'utf8', env: { ...process.env, RINGSIDE_API_KEY: '' }, timeout: 10_000 });
    expect(r.status).toBe(2);
    // The way out names this folder, ready to paste.
    expect(r.stderr).toContain(`refusing to listen on 0.0.0.0 without an API key: set RINGSIDE_API_KEY, or create a key first (node server/dist/main.js keys create --data ${dir} --init --name NAME --scope admin)`);
    // Neither the folder nor a store, signing key or secret in it: the key made next with --init starts the store.
    expect(existsSync(dir)).toBe(false);
    // A store that exists but holds no active key is refused the same way, after opening it, with no key file written.
    const existing = dataDir();
    expect(spawnSync(process.execPath, [mainJs, 'keys', 'create', '--data', existing, '--init', '--name', 'gone', '--scope', 'admin'], { encoding: 'utf8' }).status).toBe(0);
    const id = (JSON.parse(spawnSync(process.execPath, [mainJs, 'keys', 'list', '--data', existing], { encoding: 'utf8' }).stdout) as { id: string }[])[0]!.id;
    expect(spawnSync(process.execPath, [mainJs, 'keys', 'revoke', '--data', existing, '--id', id], { encoding: 'utf8' }).status).toBe(0);
    const again = spawnSync(process.execPath, [mainJs, '--host', '0.0.0.0', '--port', '0', '--data', existing], { encoding: 'utf8', env: { ...process.env, RINGSIDE_API_KEY: '' }, timeout: 10_000 });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key/);
    expect(() => statSync(join(existing, 'admin.key'))).toThrow();
  });

  it('refuses --no-auth on a non-loopback address (exit 2)', () => {
    const r = spawnSync(process.execPath, [mainJs, '--host', '0.0.0.0', '--port', '0', '--data', dataDir(), '--no-auth'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--no-auth is only allowed on a loopback address/);
  });

  it('starts on 0.0.0.0 with RINGSIDE_API_KEY, and with a key made by `keys create`', async () => {
    const withEnv = await start(['--host', '0.0.0.0', '--port', '0', '--data', dataDir()], { RINGSIDE_API_KEY: 'rs_env-key-for-test-0123456789' });
    expect((await fetch(`${withEnv.url}/api/v1/compliance`, { headers: bearer('rs_env-key-for-test-0123456789') })).status).toBe(200);

    const dir = dataDir();
    // Before the first start DIR holds no database: --init asks for one (without it a DIR with none is refused).
    const created = spawnSync(process.execPath, [mainJs, 'keys', 'create', '--data', dir, '--init', '--name', 'pbx', '--scope', 'ingest'], { encoding: 'utf8' });
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only once/);
    const s = await start(['--host', '0.0.0.0', '--port', '0', '--data', dir]);
    const posted = await fetch(`${s.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body: JSON.stringify(call()) });
    expect(posted.status).toBe(201);
    expect((await fetch(`${s.url}/api/v1/compliance`, { headers: bearer(key) })).status).toBe(403);
  });

  it('`keys create` refuses a bad scope with exit 2', () => {
    const r = spawnSync(process.execPath, [mainJs, 'keys', 'create', '--data', dataDir(), '--name', 'x', '--scope', 'root'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--scope must be one of ingest, read, audit, admin, metrics/);
  });

  it('--no-auth on loopback needs no key for HTTP or the socket', async () => {
    const s = await start(['--port', '0', '--data', dataDir(), '--no-auth']);
    expect((await fetch(`${s.url}/api/v1/compliance`)).status).toBe(200);
    expect(s.stderr()).toMatch(/authentication is OFF/);
  });
});

describe('SIGTERM', () => {
  const key = 'rs_drain-test-key-0123456789abcdef';
  const body = JSON.stringify(call({ id: 'in-flight' }));

  /**
   * A POST of `body` whose headers and first bytes the server has, its body still arriving: in flight, beside the
   * stats request that counts itself (security/stats.test.ts). `finish` sends the rest.
   */
  async function requestInFlight(url: string) {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    socket.write(body.slice(0, 20));
    const inFlight = async () => ((await (await fetch(`${url}/api/v1/stats`, { headers: bearer(key) })).json())).http.inFlight;
    await expect.poll(inFlight).toBe(2);
    return { finish: () => socket.write(body.slice(20)), answer: () => answer, close: () => socket.destroy() };
  }

  it('drains an in-flight request (answered 201, stored) and then exits 0', async () => {
    const dir = dataDir();
    const s = await start(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: key });
    const request = await requestInFlight(s.url);
    s.child.kill('SIGTERM');
    // New connections are refused while draining.
    await expect.poll(() => fetch(`${s.url}/api/v1/health`).then(() => 'accepted', () => 'refused')).toBe('refused');
    request.finish();
    expect(await s.exit).toBe(0);
    expect(request.answer()).toMatch(/^HTTP\/1\.1 201/);
    request.close();
    // It was stored: a retry after restart is a duplicate.
    const again = await start(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: key });
    const retry = await fetch(`${again.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body });
    expect(retry.status).toBe(200);
  });

  it('goes on with its stop when another SIGTERM or SIGINT arrives meanwhile: the request in flight is answered, then it logs the stop once and exits 0', async () => {
    const s = await start(['--port', '0', '--data', dataDir()], { RINGSIDE_API_KEY: key });
    const request = await requestInFlight(s.url);
    s.child.kill('SIGTERM');
    await s.until('stderr', /"msg":"shutting down"/);
    // What a terminal's Ctrl-C under `pnpm start` sends after a stop began (docs/operations.md, "Stopping").
    s.child.kill('SIGTERM');
    s.child.kill('SIGINT');
    request.finish();
    expect(await s.exit).toBe(0);
    expect(request.answer()).toMatch(/^HTTP\/1\.1 201/);
    request.close();
    await s.until('stderr', /"msg":"server stopped"}\n/);
    expect(s.stderr().match(/"msg":"(shutting down|server stopped)"/g)).toEqual(['"msg":"shutting down"', '"msg":"server stopped"']);
  });
});
