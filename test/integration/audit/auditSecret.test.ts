// The audit.secret that signs retention checkpoints is one per store: a server's first start creates it and the store
// records its fingerprint, so a node whose folder holds another secret, or none, refuses to start on a shared store or
// to prune, naming the folder and what to copy, instead of signing checkpoints that make `verify` report the chain
// broken; a store pruned before fingerprints were recorded takes only the secret that signed its checkpoints. `verify`
// says when it could not check the checkpoints' signatures, and that an HMAC mismatch may be another node's secret.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../server/src/store/postgres/db';
import { buildServer, mainJs, runNode, startCli } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { call, isoAgo, removeDir, startTestServer, tempDataDir } from '../support/testServer';

const databases = testDatabases('ringside_secret');
const dirs: string[] = [];
const dir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d;
};
const cli = (...args: string[]) => runNode([mainJs, ...args], { env: { ...process.env, RINGSIDE_DATABASE_URL: '', RINGSIDE_API_KEY: '' } });
const ownSecret = (d: string) => writeFileSync(join(d, 'audit.secret'), randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
const FINGERPRINT = 'hmac-sha256:[0-9a-f]{16}';

beforeAll(() => buildServer());
afterAll(async () => {
  await databases.dropAll();
  dirs.forEach(removeDir);
});

describe('one audit.secret per PostgreSQL store', () => {
  let url: string;
  let first: string;
  const storeArgs = (d: string) => ['--data', d, '--database', url];
  /** A node folder with the store's signing key copied, as docs/deployment.md has it (and `secret`: its audit.secret). */
  const nodeFolder = (secret?: 'copied' | 'own') => {
    const d = dir();
    copyFileSync(join(first, 'audit-signing.json'), join(d, 'audit-signing.json'));
    if (secret === 'copied') copyFileSync(join(first, 'audit.secret'), join(d, 'audit.secret'));
    if (secret === 'own') ownSecret(d);
    return d;
  };

  beforeAll(async () => {
    url = await databases.create();
    first = dir();
    const server = await startTestServer({ dataDir: first, databaseUrl: url, logLevel: 'silent' });
    try {
      expect((await server.postEvents({ events: [call({ id: 'old-1', occurredAt: isoAgo(3 * 86_400) }), call({ id: 'old-2', occurredAt: isoAgo(3 * 86_400 - 60) }), call({ id: 'new' })] })).status).toBe(201);
    } finally {
      await server.close();
    }
  });

  it("is written by the first node's start, before anything prunes (the file the deployment steps copy)", () => {
    expect(existsSync(join(first, 'audit.secret'))).toBe(true);
  });

  it('a node without it, or with its own, refuses to prune and to start, naming the folder and what to copy', async () => {
    const none = nodeFolder();
    const refused = await cli('prune', ...storeArgs(none), '--retain-days', '1');
    expect(refused.status, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^ringside prune: ${none} holds no audit\\.secret, but the store's retention checkpoints are signed with the audit\\.secret of fingerprint ${FINGERPRINT} \\(recorded [^)]+\\): copy audit\\.secret from a node that runs on this store .*into ${none} \\(owner the server's user, mode 0600\\)`),
    );
    expect(existsSync(join(none, 'audit.secret'))).toBe(false); // not given one of its own

    const own = nodeFolder('own');
    const other = await cli('prune', ...storeArgs(own), '--retain-days', '1');
    expect(other.status, other.stdout).toBe(1);
    expect(other.stderr).toMatch(new RegExp(`${own}/audit\\.secret is another secret \\(fingerprint ${FINGERPRINT}\\), but the store's retention checkpoints are signed with the audit\\.secret of fingerprint ${FINGERPRINT}`));
    await expect(startTestServer({ dataDir: own, databaseUrl: url, logLevel: 'silent' })).rejects.toThrow(new RegExp(`${own}/audit\\.secret is another secret .*copy audit\\.secret from a node that runs on this store`));
  });

  it("with the first node's audit.secret copied a node prunes, and verify checks the checkpoint", async () => {
    const copied = nodeFolder('copied');
    const pruned = await cli('prune', ...storeArgs(copied), '--retain-days', '1');
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^pruned 2 events and 2 judgements before .*; checkpoint 1/);
    const verified = await cli('verify', ...storeArgs(first));
    expect(verified.status, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^INTACT: intact up to record \d+, head hash [0-9a-f]{64}\n$/);
  });

  it('verify from a folder without audit.secret does not call the chain plainly INTACT: the signatures were not checked, and why', async () => {
    const none = dir();
    const r = await cli('verify', ...storeArgs(none));
    expect(r.status, r.stdout).toBe(0);
    const [summary, why] = r.stdout.split('\n');
    expect(summary).toMatch(/^INTACT, CHECKPOINT SIGNATURES NOT CHECKED: intact up to record \d+, head hash [0-9a-f]{64}; the HMAC of its retention checkpoint was not checked \(no audit\.secret to check it with\), so the 4 records it covers count as pruned on its word$/);
    expect(why).toBe(`${none} holds no audit.secret, the key that signs retention checkpoints: copy the store's (from a node that runs on it) into ${none} and verify again to check them`);
    expect(JSON.parse((await cli('verify', ...storeArgs(none), '--json')).stdout)).toMatchObject({ intact: true, signaturesChecked: false, checkpoints: 1 });
  });

  it("verify with another node's secret names that as the likely cause, before the problems it causes", async () => {
    const own = nodeFolder('own');
    const r = await cli('verify', ...storeArgs(own));
    expect(r.status, r.stdout).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^BROKEN: first mismatch at checkpoint 1: HMAC does not match: it was signed with another audit\.secret than the one checking it \(a node that pruned with its own, not the store's\), or its signed fields were altered; /);
    expect(lines[1]).toMatch(new RegExp(`^${own}/audit\\.secret \\(fingerprint ${FINGERPRINT}\\) is not the store's \\(${FINGERPRINT}\\): checkpoints it did not sign fail with it`));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}record \d+ \(event \d+\): the event record \d+ is missing, and only a checkpoint whose HMAC does not match covers it as pruned$/));
  });

  it('a store pruned before secrets were recorded takes only the secret that signed its latest checkpoint', async () => {
    const pool = createPool({ url, max: 1 });
    try {
      await pool.query('DELETE FROM audit_secret'); // as a store upgraded from a release that did not record it
    } finally {
      await pool.end();
    }
    const none = nodeFolder();
    await expect(startTestServer({ dataDir: none, databaseUrl: url, logLevel: 'silent' })).rejects.toThrow(
      new RegExp(`${none} holds no audit\\.secret, but the store has retention checkpoints, signed with the audit\\.secret of the node that pruned \\(the latest, checkpoint 1\\): copy audit\\.secret from the node that pruned`),
    );
    expect(existsSync(join(none, 'audit.secret'))).toBe(false);
    const own = nodeFolder('own');
    await expect(startTestServer({ dataDir: own, databaseUrl: url, logLevel: 'silent' })).rejects.toThrow(new RegExp(`${own}/audit\\.secret is not the secret that signed the store's latest retention checkpoint \\(1\\)`));
    const node = await startTestServer({ dataDir: nodeFolder('copied'), databaseUrl: url, logLevel: 'silent' });
    await node.close();
    // Recorded again: a node with its own secret is now refused by the fingerprint.
    await expect(startTestServer({ dataDir: nodeFolder('own'), databaseUrl: url, logLevel: 'silent' })).rejects.toThrow(/is another secret .* of fingerprint hmac-sha256:/);
  });
});

describe("a node's own SQLite store", () => {
  it('with another audit.secret than the one recorded starts, saying so at every start, and refuses to prune', async () => {
    const d = dir();
    const args = ['--port', '0', '--no-auth', '--host', '127.0.0.1', '--data', d, '--log-level', 'warn'];
    const firstStart = await startCli(args);
    firstStart.child.kill('SIGTERM');
    expect(await firstStart.exit).toBe(0);
    ownSecret(d); // a lost or replaced file
    const again = await startCli(args);
    try {
      const [line] = await again.until('stderr', /^\{"level":50,[^\n]*"msg":"[^"]*audit\.secret is another secret[^"]*"/m);
      expect(line).toContain('; until then this node does not prune');
    } finally {
      again.child.kill('SIGTERM');
      await again.exit;
    }
    const pruned = await cli('prune', '--data', d, '--retain-days', '1');
    expect(pruned.status, pruned.stdout).toBe(1);
    expect(pruned.stderr).toMatch(new RegExp(`^ringside prune: ${d}/audit\\.secret is another secret`));
  });
});
