// One server per data folder, with real processes: a second server on a folder a live one holds refuses to start
// (naming the folder and the pid, non-zero exit) and leaves the first one's lock alone; a stale lock (its process
// gone, a zombie not reaped yet, or its pid another process's now) is taken over; of servers started at the same
// moment exactly one runs, also over a stale lock; an offline command holds the lock for its whole run, and lets it
// go however it ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { mainJs, repo, useCliScratch, type CliServer } from '../support/cli';
import { watchOutput } from '../support/childOutput';
import { byDeadline } from '../support/deadline';

const KEY = { RINGSIDE_API_KEY: 'rs_data-lock-test-key-0123456789ab' };
const others: ChildProcess[] = [];
const { start, dataDir, track } = useCliScratch();
afterEach(() => {
  for (const c of others.splice(0)) c.kill('SIGKILL');
});

const serve = (dir: string): Promise<CliServer> => start(['--port', '0', '--data', dir, '--log-level', 'warn'], KEY);

/** Starts a server on `dir`: it either prints its listening line, or exits first. */
function attempt(dir: string) {
  const child = spawn(process.execPath, [mainJs, '--port', '0', '--data', dir, '--log-level', 'warn'], { cwd: repo, env: { ...process.env, ...KEY } });
  const output = watchOutput(child);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const outcome = Promise.race([output.until('stdout', /^listening on (http:\/\/\S+)\n/m).then(() => 'listening' as const, () => 'exited' as const), exit.then(() => 'exited' as const)]);
  return { child, output, exit, outcome };
}

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'ringside.lock'), 'utf8')) as { pid: number; url?: string; command?: string; processStart?: number };
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const hasProc = existsSync('/proc/self/stat');
/** When the kernel started `pid` (clock ticks after boot: /proc/<pid>/stat field 22, counted after the name's ")"). */
const startOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19]);
const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });

/** A live process that is no Ringside server: it holds a pid a stale lock may name. */
function otherProcess(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  others.push(child);
  return child.pid!;
}

/** The state /proc/<pid>/stat gives `pid` (field 3, after the name's ")"): Z for a zombie. */
const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];

/**
 * The parent of zombieServer's server: starts it with its output on fd 3 (which the parent then closes, so the pipe
 * ends when the server exits), prints its pid, and blocks reading stdin, its event loop stopped: a SIGCHLD is not
 * handled, so the server, once killed, stays a zombie holding its pid until stdin ends and the parent reaps it.
 */
const NEGLECTFUL_PARENT = `
  const { spawn } = require('node:child_process');
  const { closeSync, readSync } = require('node:fs');
  const server = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 3, 3] });
  closeSync(3);
  server.once('exit', () => process.exit(0));
  process.stdout.write('pid ' + server.pid + '\\n');
  try { while (readSync(0, Buffer.alloc(1)) > 0); } catch {}
`;

/**
 * A server on `dir` killed with -9 and not reaped yet, as under a supervisor that has not waited for it: resolves
 * with its pid once it is a zombie; `reap` lets its parent reap it.
 */
async function zombieServer(dir: string): Promise<{ pid: number; reap: () => Promise<void> }> {
  const parent = spawn(process.execPath, ['-e', NEGLECTFUL_PARENT, mainJs, '--port', '0', '--data', dir, '--log-level', 'warn'], { cwd: repo, env: { ...process.env, ...KEY }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  others.push(parent);
  const serverOutput = parent.stdio[3] as Readable;
  let printed = '';
  const listening = new Promise<void>((r) => serverOutput.on('data', (chunk: Buffer) => (printed += chunk.toString()).includes('listening on') && r()));
  const ended = new Promise((r) => serverOutput.once('end', r));
  const pid = Number((await watchOutput(parent).until('stdout', /^pid (\d+)\n/m))[1]);
  await byDeadline(listening, 30_000, () => `the server did not listen: ${printed}`);
  process.kill(pid, 'SIGKILL');
  await ended;
  // It closes its files just before the kernel marks it a zombie: the next turns of the loop see it one.
  await byDeadline(
    (async () => {
      while (stateOf(pid) !== 'Z') await new Promise(setImmediate);
    })(),
    10_000,
    () => `pid ${pid} is ${stateOf(pid)}, not a zombie`,
  );
  const exited = new Promise((r) => parent.once('exit', r));
  return { pid, reap: async () => void (parent.stdin.end(), await exited) };
}

/** A data folder with a store in it (keys create --init), for the commands that need one. */
function storeDir(): string {
  const dir = dataDir();
  const made = cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read');
  expect(made.status, made.stderr).toBe(0);
  return dir;
}

/**
 * A PostgreSQL that lets clients in (AuthenticationOk, ReadyForQuery) and then answers no query: migrate-to-postgres
 * waits on its first query, mid-run, for as long as the test likes. `queried` resolves once that query arrived.
 */
async function silentPostgres() {
  const sockets: Socket[] = [];
  let arrived = () => {};
  const queried = new Promise<void>((r) => (arrived = r));
  const server = createServer((socket) => {
    sockets.push(socket);
    let greeted = false;
    socket.on('data', () => {
      if (greeted) return arrived();
      greeted = true; // the startup message: no password asked, ready
      socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://ringside@127.0.0.1:${port}/ringside`,
    queried,
    drop: () => sockets.forEach((s) => s.destroy()),
    close: () => (sockets.forEach((s) => s.destroy()), new Promise((r) => server.close(r))),
  };
}

/** migrate-to-postgres on a store in a new folder, waiting mid-run (its first query unanswered). */
async function migrationHoldingLock() {
  const dir = storeDir();
  const postgres = await silentPostgres();
  const child = spawn(process.execPath, [mainJs, 'migrate-to-postgres', '--data', dir, '--database', postgres.url], { cwd: repo, env: { ...process.env, RINGSIDE_DATABASE_URL: '' } });
  const output = watchOutput(child);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  track({ ...output, child, url: '', exit });
  await postgres.queried;
  return { dir, postgres, child, output, exit };
}

describe('the data folder lock', () => {
  it('refuses a second server on a folder a live one uses, naming the folder and the pid, and leaves its lock', async () => {
    const dir = dataDir();
    const first = await serve(dir);
    expect(lockOf(dir)).toMatchObject({ pid: first.child.pid, url: first.url });
    const second = attempt(dir);
    expect(await second.outcome).toBe('exited');
    expect(await second.exit).toBe(1);
    expect(second.output.stderr()).toContain(`ringside: could not start: another Ringside server (pid ${first.child.pid}, ${first.url}, started `);
    expect(second.output.stderr()).toContain(`is using ${dir} (its lock: ${join(dir, 'ringside.lock')}): one server per data folder`);
    expect(second.output.stdout()).toBe('');
    // The first server's lock is untouched, so the offline commands still see it serving.
    expect(lockOf(dir)).toMatchObject({ pid: first.child.pid, url: first.url });
    const rebuild = cli('rebuild-rollups', '--data', dir);
    expect(rebuild.status).toBe(1);
    expect(rebuild.stderr).toContain(`ringside rebuild-rollups: a Ringside server (pid ${first.child.pid}, ${first.url}, started `);
    expect(rebuild.stderr).toContain(`) is using ${dir} (its lock: ${join(dir, 'ringside.lock')}): stop it first\n`);
    expect((await fetch(`${first.url}/api/v1/health`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(existsSync(join(dir, 'ringside.lock'))).toBe(false);
  }, 60_000);

  it('takes over a stale lock (its process gone); a server removes only a lock it still holds', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid: deadPid(), startedAt: '2026-01-01T00:00:00.000Z', url: 'http://127.0.0.1:1' }) + '\n');
    const server = await serve(dir);
    expect(lockOf(dir)).toMatchObject({ pid: server.child.pid, url: server.url });
    // Someone replaced the lock meanwhile (by hand): stopping must not remove what this server did not write.
    const other = JSON.stringify({ pid: deadPid(), startedAt: '2026-01-02T00:00:00.000Z' }) + '\n';
    writeFileSync(join(dir, 'ringside.lock'), other);
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    expect(readFileSync(join(dir, 'ringside.lock'), 'utf8')).toBe(other);
  }, 60_000);

  for (const [name, before] of [
    ['a fresh folder', () => {}],
    ['a folder with a stale lock', (dir: string) => writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid: deadPid(), startedAt: '2026-01-01T00:00:00.000Z' }) + '\n')],
  ] as const) {
    it(`of three servers started at once on ${name}, exactly one runs`, async () => {
      const dir = dataDir();
      before(dir);
      const starts = [attempt(dir), attempt(dir), attempt(dir)];
      const outcomes = await Promise.all(starts.map((s) => s.outcome));
      const winners = starts.filter((_, i) => outcomes[i] === 'listening');
      for (const s of starts) track({ ...s.output, child: s.child, url: '', exit: s.exit });
      expect(winners.length, starts.map((s) => s.output.stderr()).join('\n')).toBe(1);
      expect(lockOf(dir).pid).toBe(winners[0]!.child.pid);
      for (const s of starts.filter((x) => x !== winners[0])) {
        expect(await s.exit).toBe(1);
        expect(s.output.stderr()).toContain(`(pid ${winners[0]!.child.pid}`);
      }
    }, 60_000);
  }

  it.runIf(hasProc)('takes over the lock of a server killed with -9 that is not reaped yet (a zombie keeps its pid)', async () => {
    const dir = dataDir();
    const { pid, reap } = await zombieServer(dir);
    expect(lockOf(dir)).toMatchObject({ pid, processStart: startOf(pid) });
    const server = await serve(dir);
    expect(lockOf(dir)).toMatchObject({ pid: server.child.pid, url: server.url });
    expect(stateOf(pid)).toBe('Z'); // still unreaped: its pid was no live server's
    await reap();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 60_000);

  it.runIf(hasProc)('records when its process started: a lock whose pid another process has since is stale, for servers and commands alike', async () => {
    const dir = dataDir();
    const pid = otherProcess();
    const lockNaming = (extra: object) => writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid, startedAt: '2026-01-01T00:00:00.000Z', ...extra }) + '\n');
    // Written by that very process (same start), or in the format before start times (the pid alone): live.
    for (const extra of [{ processStart: startOf(pid) }, {}]) {
      lockNaming(extra);
      const refused = attempt(dir);
      expect(await refused.exit).toBe(1);
      expect(refused.output.stderr()).toContain(`another Ringside server (pid ${pid}, started 2026-01-01T00:00:00.000Z) is using ${dir}`);
    }
    // Written by a process that started at another time: the pid is someone else's now, the lock stale.
    lockNaming({ processStart: startOf(pid) + 1 });
    const server = await serve(dir);
    expect(lockOf(dir)).toMatchObject({ pid: server.child.pid, processStart: startOf(server.child.pid!), url: server.url });
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    lockNaming({ processStart: startOf(pid) - 1 });
    const rebuilt = cli('rebuild-rollups', '--data', dir);
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(existsSync(join(dir, 'ringside.lock'))).toBe(false);
  }, 60_000);
});

describe('an offline command and the lock', () => {
  it('holds it for its whole run: a server started meanwhile refuses naming the command, as does another command; an error releases it', async () => {
    const { dir, postgres, child, output, exit } = await migrationHoldingLock();
    try {
      expect(lockOf(dir)).toMatchObject({ pid: child.pid, command: 'migrate-to-postgres' });
      const server = attempt(dir);
      expect(await server.outcome).toBe('exited');
      expect(await server.exit).toBe(1);
      expect(server.output.stderr()).toContain(`ringside: could not start: ringside migrate-to-postgres (pid ${child.pid}, started `);
      expect(server.output.stderr()).toContain(`) is using ${dir} (its lock: ${join(dir, 'ringside.lock')}): let it finish first, or give this one its own --data\n`);
      const prune = cli('prune', '--data', dir, '--retain-days', '30');
      expect(prune.status).toBe(1);
      expect(prune.stderr).toMatch(new RegExp(`^ringside prune: ringside migrate-to-postgres \\(pid ${child.pid}, started [^)]+\\) is using ${dir} \\(its lock: [^)]+\\): let it finish first\n$`));
      expect(lockOf(dir)).toMatchObject({ pid: child.pid, command: 'migrate-to-postgres' });
      postgres.drop(); // the database goes away mid-run: the command fails, and lets the lock go
      expect(await exit).toBe(1);
      expect(output.stderr()).toMatch(/^ringside migrate-to-postgres: /);
      expect(readdirSync(dir).filter((f) => f.startsWith('ringside.lock'))).toEqual([]);
    } finally {
      await postgres.close();
    }
  }, 60_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('lets it go on %s, then exits %i as a shell reports the signal', async (signal, code) => {
    const { dir, postgres, child, output, exit } = await migrationHoldingLock();
    try {
      expect(lockOf(dir)).toMatchObject({ pid: child.pid, command: 'migrate-to-postgres' });
      child.kill(signal);
      expect(await exit).toBe(code);
      expect(output.stderr()).toContain(`ringside migrate-to-postgres: ${signal}, stopped`);
      expect(readdirSync(dir).filter((f) => f.startsWith('ringside.lock'))).toEqual([]);
      const server = await serve(dir);
      expect(lockOf(dir).pid).toBe(server.child.pid);
    } finally {
      await postgres.close();
    }
  }, 60_000);
});
