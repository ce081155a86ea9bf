// A store restored from a backup, as an operator meets it with the built CLI (real SQLite files in temp folders):
// public-key refuses a folder whose key is not the one its store records (or holds none where the store records
// one), naming both keys and what to copy, and makes no key there; restore says when the database it replaces had
// chained further than the backup, since the heads published from those links no longer verify.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SigningIdentity } from '../../../server/src/services/signing';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { mainJs, runNode, useCliScratch } from '../support/cli';
import { call, chainHead, startTestServer, type TestServer } from '../support/testServer';

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

describe('restore over a database whose audit chain went on after the backup', () => {
  it('says which link the replaced chain reached, where the restored one ends, that heads published after it no longer verify, and keeps the replaced database', async () => {
    const { dir, backup } = await storeWithBackup();
    const server = await startTestServer({ dataDir: dir });
    let published: { seq: number; hash: string };
    try {
      expect((await server.postEvents({ events: [call({ id: 'after-1' }), call({ id: 'after-2' })] })).status).toBe(201);
      published = await chainHead(server);
    } finally {
      await server.close();
    }
    const restoredHead = headOf(backup);
    expect(published.seq).toBeGreaterThan(restoredHead.seq);
    const r = await cli('restore', '--from', backup, '--data', dir);
    expect(r.status, r.stderr).toBe(0);
    const kept = /the previous database was kept as (\S+)\n/.exec(r.stderr)?.[1];
    expect(kept).toMatch(/ringside\.db\.before-restore-/);
    expect(r.stderr.split('\n')[1]).toBe(
      `warning: the replaced database's audit chain reached link ${published.seq} (hash ${published.hash.slice(0, 16)}…), the restored one ends at link ${restoredHead.seq} (hash ${restoredHead.hash.slice(0, 16)}…). ` +
        `Chain heads published after link ${restoredHead.seq} (recorded by an auditor since the backup was taken) will no longer verify: from the next start, new links take the numbers ${restoredHead.seq + 1} on, with other hashes. ` +
        `The replaced database, kept as ${kept}, still proves the heads published from it.`,
    );
    // The kept database is the one that holds the published head.
    expect(headOf(kept!)).toEqual(published);

    // Restoring it again over the database it now is: the chains agree, nothing to say.
    const again = await cli('restore', '--from', backup, '--data', dir);
    expect(again.stderr).not.toContain('warning:');
    // With --force nothing is kept, and the warning says so.
    const longer = join(dataDir(), 'longer.db');
    copyFileSync(kept!, longer);
    expect((await cli('restore', '--from', longer, '--data', dir, '--force')).status).toBe(0);
    const forced = await cli('restore', '--from', backup, '--data', dir, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`warning: the replaced database's audit chain reached link ${published.seq} `);
    expect(forced.stderr).toContain('The replaced database was not kept (--force): nothing proves the heads published from it now.\n');
  }, 90_000);

  it("names the link where the chains part when the backup is another store's, and keeps the replaced database even without events", async () => {
    const { backup } = await storeWithBackup();
    // A store of its own, started once: no events, but chain links of its own (its standards).
    const other = dataDir();
    await (await startTestServer({ dataDir: other })).close();
    const replacedHead = headOf(join(other, 'ringside.db'));
    expect(replacedHead.seq).toBeGreaterThan(0);
    const r = await cli('restore', '--from', backup, '--data', other);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('; the previous database was kept as ');
    expect(r.stderr).toContain(
      `warning: the replaced database's audit chain reached link ${replacedHead.seq} (hash ${replacedHead.hash.slice(0, 16)}…), the restored one ends at link ${headOf(backup).seq} (hash ${headOf(backup).hash.slice(0, 16)}…); ` +
        'the two chains differ from link 1 on (the backup is not of this database, or it went another way since). Chain heads published after link 0 ',
    );
  }, 60_000);
});

/** The newest link of a database file's chain, read as the verifier's --head takes it. */
function headOf(file: string): { seq: number; hash: string } {
  const db = openSqliteFile(file, { readonly: true });
  try {
    return db.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
  } finally {
    db.close();
  }
}

describe('a damaged database', () => {
  it('is named at start with what to do; restore replaces it and keeps it byte for byte (without --force), or says it kept nothing (--force)', async () => {
    const { dir, backup } = await storeWithBackup(2);
    const server = await startTestServer({ dataDir: dir });
    try {
      // Acknowledged after the backup was taken: in the damaged file only, which is why it must not be thrown away.
      expect((await server.postEvents(call({ id: 'after-backup' }))).status).toBe(201);
    } finally {
      await server.close();
    }
    const file = join(dir, 'ringside.db');
    const bytes = readFileSync(file);
    bytes.write('not a SQLite header', 0); // its first 16 bytes: SQLite no longer knows the file
    writeFileSync(file, bytes);

    const start = await runNode([mainJs, '--port', '0', '--data', dir], { env: { ...process.env, RINGSIDE_DATABASE_URL: '', RINGSIDE_API_KEY: 'rs_damaged-db-test-key-0123456789ab' }, timeout: 30_000 });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain(`could not start: ${file} is damaged (SQLite: file is not a database): restore the newest backup (restore --from FILE --data ${dir}`);

    const r = await cli('restore', '--from', backup, '--data', dir);
    expect(r.status, r.stderr).toBe(0);
    const kept = /the previous database was kept as (\S+)\n/.exec(r.stderr)?.[1];
    expect(kept, r.stderr).toBeDefined();
    expect(readFileSync(kept!).equals(bytes)).toBe(true); // as it was, not checkpointed or rewritten
    expect(r.stderr).toContain(`warning: the replaced database could not be read (SQLite: file is not a database), so its audit chain was not compared with the backup's: it was kept as it was, as ${kept}`);
    expect((await cli('verify', '--data', dir)).status).toBe(0);

    writeFileSync(file, bytes);
    const forced = await cli('restore', '--from', backup, '--data', dir, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('warning: the replaced database could not be read (SQLite: file is not a database), so its audit chain was not compared with the backup\'s: it was not kept (--force)');
  }, 60_000);
});
