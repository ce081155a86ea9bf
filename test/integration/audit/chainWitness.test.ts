// A store taken back to an earlier copy, as an operator does it without the restore subcommand: on SQLite the
// database file put back from a backup while the server is stopped, on PostgreSQL a pg_dump restored with pg_restore
// into a new database the node is then started on. The node's data folder remembers the chain heads it saw
// (chain-witness.json): the next start logs at error level that the store no longer passes through them, naming both
// heads, the metrics say so, verify --data says so; a normal restart says nothing, nor does the start after the one
// that warned. Real servers, real files, real databases (this file runs in both integration projects).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSubcommand } from '../../../server/src/cli/dispatch';
import { sqliteBackend } from '../../../server/src/store/sqlite';
import { testDatabases } from '../support/postgres';
import { captureLog } from '../support/serverLog';
import { adminHeaders, call, chainHead, databaseUrlOf, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const dirs: string[] = [];
const databases = testDatabases('ringside_witness');
afterAll(async () => {
  for (const dir of dirs) removeDir(dir);
  await databases.dropAll();
});

const WITNESS = 'chain-witness.json';
const short = (head: { seq: number; hash: string }) => `link ${head.seq} (hash ${head.hash.slice(0, 16)}…)`;

async function rewoundGauge(server: TestServer): Promise<string | undefined> {
  const res = await fetch(`${server.url}/api/v1/metrics`, { headers: adminHeaders(server.apiKey) });
  return /^ringside_chain_rewound (\S+)$/m.exec(await res.text())?.[1];
}

/**
 * A start and a clean stop on `dir`, its log captured from `warn` on: the warnings and errors, the gauge
 * ringside_chain_rewound as a scrape read it, and the chain head it served.
 */
async function startAndStop(dir: string, databaseUrl?: string): Promise<{ logged: Array<Record<string, any>>; gauge: string | undefined; head: { seq: number; hash: string } }> {
  const log = captureLog();
  let seen: { gauge: string | undefined; head: { seq: number; hash: string } };
  try {
    const server = await startTestServer({ dataDir: dir, logLevel: 'warn', ...(databaseUrl ? { databaseUrl } : {}) });
    try {
      seen = { gauge: await rewoundGauge(server), head: await chainHead(server) };
    } finally {
      await server.close();
    }
  } finally {
    log.stop();
  }
  return { ...seen, logged: log.lines().filter((l) => l.level >= 40) };
}

/** A copy of the store as it is now, and how to put it back: what the node is then started with. */
interface Copy {
  putBack(): Promise<{ databaseUrl?: string }>;
}

async function takeCopy(dir: string, into: string): Promise<Copy> {
  const url = await databaseUrlOf(dir);
  if (url === undefined) {
    // The backup subcommand's own copy, taken while the server runs.
    const file = join(into, 'copy.db');
    await sqliteBackend.backup(dir, file);
    return {
      putBack: async () => {
        for (const suffix of ['-wal', '-shm']) rmSync(join(dir, 'ringside.db') + suffix, { force: true });
        copyFileSync(file, join(dir, 'ringside.db'));
        return {};
      },
    };
  }
  const dump = join(into, 'copy.dump');
  execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, url]);
  return {
    putBack: async () => {
      const restored = await databases.create();
      execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored, dump]);
      return { databaseUrl: restored };
    },
  };
}

async function verifyText(dir: string, databaseUrl: string | undefined, json = false): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runSubcommand(['verify', '--data', dir, ...(databaseUrl ? ['--database', databaseUrl] : []), ...(json ? ['--json'] : [])], { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, out: out.join('') };
}

describe('the chain witness in a node\'s data folder', () => {
  it('a store put back to an earlier copy: the next start logs it at error level naming both heads, the metric is 1, verify says so; normal restarts say nothing', async () => {
    const dir = tempDataDir();
    const scratch = tempDataDir();
    dirs.push(dir, scratch);
    const server = await startTestServer({ dataDir: dir });
    let copied: { seq: number; hash: string };
    let copy: Copy;
    let published: { seq: number; hash: string };
    try {
      expect((await server.postEvents({ events: [call({ id: 'before-1' })] })).status).toBe(201);
      copied = await chainHead(server);
      copy = await takeCopy(dir, scratch);
      expect((await server.postEvents({ events: [call({ id: 'after-1' }), call({ id: 'after-2' })] })).status).toBe(201);
      published = await chainHead(server);
    } finally {
      await server.close();
    }
    // The clean shutdown wrote down the head it had reached.
    const remembered = JSON.parse(readFileSync(join(dir, WITNESS), 'utf8')) as { heads: Array<{ seq: number; hash: string; seenAt: string }> };
    expect(remembered.heads[0]).toMatchObject(published);

    // A normal restart: the store passes through the remembered head.
    const normal = await startAndStop(dir);
    expect(normal.gauge).toBe('0');
    expect(normal.logged).toEqual([]);
    const sameStore = await databaseUrlOf(dir);
    expect((await verifyText(dir, sameStore)).out).not.toContain('warning:');

    // Taken back: verify says so first (it leaves the witness as it is), then the start.
    const { databaseUrl } = await copy.putBack();
    const verified = await verifyText(dir, databaseUrl ?? sameStore);
    expect(verified.code).toBe(0); // intact, only shorter
    expect(verified.out).toContain(`warning: the audit chain this node last saw in its store (remembered in ${join(dir, WITNESS)}, `);
    expect(verified.out).toContain(`reached ${short(published)}, the store's ends at ${short(copied)}`);
    const json = JSON.parse((await verifyText(dir, databaseUrl ?? sameStore, true)).out) as { witness: Record<string, unknown> };
    expect(json.witness).toMatchObject({ file: join(dir, WITNESS), passes: false, rememberedHead: published, storeHead: copied });

    const rewound = await startAndStop(dir, databaseUrl);
    expect(rewound.gauge).toBe('1');
    const errors = rewound.logged.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(`the audit chain this node last saw in its store (remembered in ${join(dir, WITNESS)}, ${remembered.heads[0]!.seenAt}) reached ${short(published)}, the store's ends at ${short(copied)}`);
    expect(errors[0]!.msg).toContain(`. Chain heads published after link ${copied.seq} (recorded by an auditor since the copy now in the store was taken) will no longer verify`);
    expect(errors[0]!.msg).toContain(`: new links take the numbers ${copied.seq + 1} on, with other hashes. `);
    expect(errors[0]!.msg).toContain('may still be in the database it replaced');
    expect(errors[0]).toMatchObject({ file: join(dir, WITNESS), rememberedHead: published, storeHead: copied });
    expect(errors[0]!.sharedSeq).toBeLessThanOrEqual(copied.seq);

    // Said once: the warned start wrote the store's head down.
    const after = await startAndStop(dir, databaseUrl);
    expect(after.gauge).toBe('0');
    expect(after.logged).toEqual([]);
  }, 120_000);

  it('a garbled witness file: a warning naming the file, the start goes on, and the file is written anew', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    await (await startTestServer({ dataDir: dir })).close();
    writeFileSync(join(dir, WITNESS), '{"heads": [{"seq": "x"');
    const { head, gauge, logged: warnings } = await startAndStop(dir);
    expect(gauge).toBe('0');
    expect(warnings.map((l) => l.msg)).toEqual([expect.stringContaining(`${join(dir, WITNESS)} is not readable as this folder's chain witness: it is not a chain witness (`)]);
    expect(existsSync(join(dir, WITNESS))).toBe(true);
    expect((JSON.parse(readFileSync(join(dir, WITNESS), 'utf8')) as { heads: unknown[] }).heads[0]).toMatchObject(head);
  }, 60_000);

  // SQLite only: the restore subcommand and migrate-to-postgres start from a SQLite folder.
  if (process.env.RINGSIDE_TEST_BACKEND !== 'postgres') {
    it('after the restore subcommand warned of a rewind, the next start does not warn a second time', async () => {
      const dir = tempDataDir();
      const scratch = tempDataDir();
      dirs.push(dir, scratch);
      const server = await startTestServer({ dataDir: dir });
      try {
        expect((await server.postEvents({ events: [call({ id: 'before-1' })] })).status).toBe(201);
        await sqliteBackend.backup(dir, join(scratch, 'copy.db'));
        expect((await server.postEvents({ events: [call({ id: 'after-1' })] })).status).toBe(201);
      } finally {
        await server.close();
      }
      expect(existsSync(join(dir, WITNESS))).toBe(true);
      const err: string[] = [];
      expect(await runSubcommand(['restore', '--from', join(scratch, 'copy.db'), '--data', dir], { out: () => undefined, err: (t) => err.push(t) })).toBe(0);
      expect(err.join('')).toContain("warning: the replaced database's audit chain reached link ");
      expect(existsSync(join(dir, WITNESS))).toBe(false);
      const again = await startAndStop(dir);
      expect(again.gauge).toBe('0');
      expect(again.logged).toEqual([]);
      expect(existsSync(join(dir, WITNESS))).toBe(true);
    }, 60_000);

    it('a folder whose store moved to PostgreSQL (migrate-to-postgres): its witness still passes, no alarm', async () => {
      const dir = tempDataDir();
      dirs.push(dir);
      const server = await startTestServer({ dataDir: dir });
      try {
        expect((await server.postEvents({ events: [call({ id: 'moved-1' })] })).status).toBe(201);
      } finally {
        await server.close();
      }
      const url = await databases.create();
      const out: string[] = [];
      expect(await runSubcommand(['migrate-to-postgres', '--data', dir, '--database', url], { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
      expect(out.join('')).not.toContain('warning:');
      const moved = await startAndStop(dir, url);
      expect(moved.gauge).toBe('0');
      expect(moved.logged.filter((l) => l.level >= 50)).toEqual([]);
    }, 60_000);
  }
});
