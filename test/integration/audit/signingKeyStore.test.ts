// The export signing key recorded for the store: the first node's public key is recorded; a node on a shared
// PostgreSQL store with another key (audit-signing.json not copied) refuses to start, naming both keys and the fix;
// one with the copied file starts; one without either file names both in one refusal and makes neither. On a node's
// own SQLite file, a new key (the file lost) starts but says so loudly.
import { copyFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningIdentity } from '../../../server/src/services/signing';
import { buildServer, startCli } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { removeDir, startTestServer, tempDataDir } from '../support/testServer';

const databases = testDatabases('ringside_sigkey');
const dirs: string[] = [];
const dir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d;
};
const keyOf = async (url: string) => ((await (await fetch(`${url}/api/v1/audit/public-key`)).json()) as { keyId: string }).keyId;

beforeAll(() => buildServer());
afterAll(async () => {
  await databases.dropAll();
  for (const d of dirs) removeDir(d);
});

describe('the signing key recorded for the store', () => {
  it('PostgreSQL: a second node with its own key refuses to start; with the first node\'s file it starts', async () => {
    const databaseUrl = await databases.create();
    const first = dir();
    const a = await startTestServer({ dataDir: first, databaseUrl, logLevel: 'silent' });
    const recorded = await keyOf(a.url);
    const other = dir();
    // A key of its own (made by an earlier start on its own), with the store's audit.secret beside it.
    SigningIdentity.open(other, Date.now());
    copyFileSync(join(first, 'audit.secret'), join(other, 'audit.secret'));
    await expect(startTestServer({ dataDir: other, databaseUrl, logLevel: 'silent' })).rejects.toThrow(
      new RegExp(`this node signs exports with key ed25519:[0-9a-f]{16} .*but the store's exports are signed with key ${recorded} .*copy audit-signing\\.json from a node that has key ${recorded}`),
    );
    const copied = dir();
    // and its audit.secret, which a node on a shared store must hold too (audit/auditSecret.test.ts)
    for (const f of ['audit-signing.json', 'audit.secret']) copyFileSync(join(first, f), join(copied, f));
    const b = await startTestServer({ dataDir: copied, databaseUrl, logLevel: 'silent' });
    expect(await keyOf(b.url)).toBe(recorded);
    await b.close();
    await a.close();
  });

  it("PostgreSQL: a node started without the first node's files names both, and where from, in one refusal, and makes neither", async () => {
    const databaseUrl = await databases.create();
    const first = dir();
    const a = await startTestServer({ dataDir: first, databaseUrl, logLevel: 'silent' });
    const recorded = await keyOf(a.url);
    await a.close();
    const bare = dir();
    await expect(startTestServer({ dataDir: bare, databaseUrl, logLevel: 'silent' })).rejects.toThrow(
      new RegExp(
        `^${bare} holds no audit-signing\\.json \\(the export signing key: the store's is ${recorded}, instance [0-9a-f-]+\\) and no audit\\.secret \\(the retention checkpoint key: the store's has fingerprint hmac-sha256:[0-9a-f]{16}\\), ` +
          `which every node on this shared store must hold: copy audit-signing\\.json and audit\\.secret from the --data folder of a node that runs on this store \\(the first node's\\) into ${bare} `,
      ),
    );
    expect(readdirSync(bare)).toEqual([]);
    // With only one of them missing, that one is named.
    copyFileSync(join(first, 'audit-signing.json'), join(bare, 'audit-signing.json'));
    await expect(startTestServer({ dataDir: bare, databaseUrl, logLevel: 'silent' })).rejects.toThrow(new RegExp(`^${bare} holds no audit\\.secret \\(.*copy audit\\.secret from`));
    expect(readdirSync(bare)).toEqual(['audit-signing.json']);
    // A --data folder the refused start had to make is not left behind.
    const fresh = join(dir(), 'node-2');
    await expect(startTestServer({ dataDir: fresh, databaseUrl, logLevel: 'silent' })).rejects.toThrow(/holds no audit-signing\.json/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('PostgreSQL: nodes started together on a new database: one makes and records the files, each other names both in one refusal and makes neither', async () => {
    // As when every node of a deployment is enabled at once: they meet on a store that records no key or secret yet.
    const databaseUrl = await databases.create();
    const folders = [dir(), dir(), dir()];
    const started = await Promise.allSettled(folders.map((d) => startTestServer({ dataDir: d, databaseUrl, logLevel: 'silent' })));
    const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      expect(up).toHaveLength(1);
      const recorded = await keyOf(up[0]!.url);
      for (const [i, s] of started.entries()) {
        if (s.status === 'fulfilled') continue;
        expect((s.reason as Error).message).toMatch(new RegExp(`^${folders[i]} holds no audit-signing\\.json \\(the export signing key: the store's is ${recorded}, .*\\) and no audit\\.secret \\(`));
        expect(readdirSync(folders[i]!)).toEqual([]);
      }
    } finally {
      for (const s of up) await s.close();
    }
  });

  it('SQLite: a node whose key file was lost starts with a new key and says so loudly, at every start', async () => {
    const d = dir();
    const args = ['--port', '0', '--no-auth', '--host', '127.0.0.1', '--data', d, '--log-level', 'warn'];
    const first = await startCli(args);
    const recorded = await keyOf(first.url);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    renameSync(join(d, 'audit-signing.json'), join(d, 'audit-signing.json.lost'));
    const again = await startCli(args);
    try {
      const line = await again.until('stderr', /^\{"level":50,[^\n]*"msg":"this node signs exports with key (ed25519:[0-9a-f]{16})[^"]*"/m);
      expect(line[0]).toContain(`but the store's exports are signed with key ${recorded}`);
      expect(line[0]).toContain("until then, this node's exports verify only with its own public key");
      expect(await keyOf(again.url)).not.toBe(recorded);
    } finally {
      again.child.kill('SIGTERM');
      await again.exit;
    }
  });
});
