// A store restored from a backup, as an operator meets it with the built CLI (real SQLite files in temp folders):
// public-key refuses a folder whose key is not the one its store records (or holds none where the store records
// one), naming both keys and what to copy, and makes no key there.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SigningIdentity } from '../../../server/src/services/signing';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { mainJs, runNode, useCliScratch } from '../support/cli';
import { call, startTestServer, type TestServer } from '../support/testServer';

const { dataDir } = useCliScratch();

const cli = (...args: string[]) => runNode([mainJs, ...args], { env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });
const keyInfo = async (server: TestServer) => (await server.getJson('/api/v1/audit/public-key')).body as { keyId: string; instanceId: string; publicKey: string };
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A store a server ran on (so it records its signing key), `events` posted, and a backup of it. */
async function storeWithBackup(events = 1): Promise<{ dir: string; backup: string; key: { keyId: string; instanceId: string; publicKey: string } }> {
  const dir = dataDir();
  const server = await startTestServer({ dataDir: dir });
  try {
    if (events > 0) expect((await server.postEvents({ events: Array.from({ length: events }, (_, i) => call({ id: `before-${i}` })) })).status).toBe(201);
    const key = await keyInfo(server);
    const backup = join(dataDir(), 'backup.db');
    const r = await cli('backup', '--data', dir, '--to', backup);
    expect(r.status, r.stderr).toBe(0);
    return { dir, backup, key };
  } finally {
    await server.close();
  }
}

describe('public-key on a store restored without its audit-signing.json', () => {
  it('refuses (exit 1, also with --json), naming the key the store records and what to copy, and makes no key; with the copied file it prints that key', async () => {
    const { dir, backup, key } = await storeWithBackup();
    const into = join(dataDir(), 'restored');
    expect((await cli('restore', '--from', backup, '--data', into)).status).toBe(0);
    const theirs = new RegExp(
      `^ringside public-key: ${escaped(into)} holds no audit-signing\\.json, but the store in ${escaped(into)} records that its exports are signed with key ${key.keyId} ` +
        `\\(instance ${key.instanceId}, recorded \\d{4}-[^)]+\\): a key made now would verify none of them, so none was made\\. ` +
        `Copy audit-signing\\.json from the data folder that has key ${key.keyId} \\(the --data folder the backup was taken from, or where it is kept with the backups\\) into ${escaped(into)}, then run public-key again\n$`,
    );
    for (const json of [[], ['--json']]) {
      const r = await cli('public-key', '--data', into, ...json);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(theirs);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(into)).toEqual(['ringside.db']);

    // Copied as it says: the store's key.
    copyFileSync(join(dir, 'audit-signing.json'), join(into, 'audit-signing.json'));
    const r = await cli('public-key', '--data', into);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(key.publicKey);
    expect(r.stderr).toContain(`key ${key.keyId} of instance ${key.instanceId}`);
  }, 60_000);

  it('refuses a key file that is not the store\'s (a key made there by an earlier public-key or start), naming both keys, and leaves it as it is', async () => {
    const { backup, key } = await storeWithBackup(0);
    const into = join(dataDir(), 'restored');
    expect((await cli('restore', '--from', backup, '--data', into)).status).toBe(0);
    const other = SigningIdentity.open(into, Date.now()).publicKey(null);
    const file = join(into, 'audit-signing.json');
    const before = readFileSync(file, 'utf8');
    for (const json of [[], ['--json']]) {
      const r = await cli('public-key', '--data', into, ...json);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^ringside public-key: ${escaped(file)} holds key ${other.keyId} \\(instance ${other.instanceId}\\), but the store in ${escaped(into)} records that its exports are signed with key ${key.keyId} ` +
            `\\(instance ${key.instanceId}, recorded [^)]+\\): key ${other.keyId} verifies none of them\\. Copy audit-signing\\.json from the data folder that has key ${key.keyId} .* ` +
            `into ${escaped(into)} in place of this one \\(keep this one aside: exports signed with it verify only with it\\), then run public-key again\n$`,
        ),
      );
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  }, 60_000);

  it('still makes the key of a store that records none (one no server ran on yet, also one from before the store recorded keys), and prints the key of a folder without a store', async () => {
    const fresh = dataDir();
    expect((await cli('keys', 'create', '--data', fresh, '--init', '--name', 'x', '--scope', 'read')).status).toBe(0);
    // Schema 17: the signing_key table (migration 18) is not there yet, and public-key reads the store read-only.
    const old = dataDir();
    const db = openSqliteFile(join(old, 'ringside.db'));
    expect(migrate(db, MIGRATIONS.slice(0, 17))).toBe(17);
    db.close();
    for (const dir of [fresh, old]) {
      const r = await cli('public-key', '--data', dir);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      expect(existsSync(join(dir, 'audit-signing.json'))).toBe(true);
    }
    // A PostgreSQL node's folder holds its key and no SQLite store: nothing here to check it against (its start does).
    const node = join(dataDir(), 'node');
    mkdirSync(node);
    copyFileSync(join(fresh, 'audit-signing.json'), join(node, 'audit-signing.json'));
    const r = await cli('public-key', '--data', node, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ keyId: SigningIdentity.held(fresh)!.keyId });
  }, 60_000);
});
