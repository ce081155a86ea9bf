// The built CLI: node server/dist/main.js, as `pnpm start` runs it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../../server/src/protocol';
import { watchOutput } from '../support/childOutput';
import { buildServer, mainJs, repo, runNode, startCli } from '../support/cli';
import { removeDir, tempDataDir } from '../support/testServer';

const dirs: string[] = [];
/** Given as RINGSIDE_API_KEY to every server this file starts (the API needs a key). */
const CLI_KEY = 'rs_cli-test-key-0123456789abcdef';
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(buildServer);
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => dirs.forEach(removeDir));

function dataDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

/** Starts the CLI (or another script) with the test key; resolves once it has printed its first two lines. */
async function start(args: string[], script = mainJs): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stdoutLines: string[] }> {
  const cli = await startCli(args, { RINGSIDE_API_KEY: CLI_KEY }, script);
  children.push(cli.child);
  await cli.until('stdout', /^dashboard: .*\n/m);
  return { child: cli.child, url: cli.url, stdoutLines: cli.stdout().split('\n') };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

describe('node server/dist/main.js', () => {
  it('prints the listening line and the dashboard URL, serves the API, and stops cleanly on SIGTERM', async () => {
    const { child, url, stdoutLines } = await start(['--port', '0', '--data', dataDir()]);
    expect(stdoutLines.slice(0, 2)).toEqual([`listening on ${url}`, `dashboard: ${url}/`]);
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });

  it('with no key configured, prints a dashboard link carrying the generated admin key, which the API accepts', async () => {
    const dir = dataDir();
    const child = spawn(process.execPath, [mainJs, '--port', '0', '--data', dir], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: '' } });
    children.push(child);
    let out = '';
    await new Promise<void>((resolveLines, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').length > 2) resolveLines();
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const [listening, dashboard] = out.split('\n');
    const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(listening!)![1]!;
    const key = readFileSync(resolve(dir, 'admin.key'), 'utf8').trim();
    // The key after '#', which a browser never sends: no proxy's access log gets it.
    expect(dashboard).toBe(`dashboard: ${url}/#token=${encodeURIComponent(key)}`);
    const token = new URLSearchParams(new URL(dashboard!.slice('dashboard: '.length)).hash.slice(1)).get('token');
    expect((await fetch(`${url}/api/v1/compliance`)).status).toBe(401);
    expect((await fetch(`${url}/api/v1/compliance`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('on every address (0.0.0.0), prints a dashboard link a browser here opens, then one network line per address of this machine', async () => {
    const cli = await startCli(['--host', '0.0.0.0', '--port', '0', '--data', dataDir()], { RINGSIDE_API_KEY: CLI_KEY });
    children.push(cli.child);
    const port = new URL(cli.url).port;
    const network = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => !a.internal && a.family === 'IPv4').map((a) => `network: http://${a.address}:${port}/`);
    // The lines after `listening on` come in one write.
    await cli.until('stdout', /^dashboard: .*\n/m);
    const lines = cli.stdout().split('\n');
    expect(lines.slice(0, 2 + network.length)).toEqual([`listening on http://0.0.0.0:${port}`, `dashboard: http://127.0.0.1:${port}/`, ...network]);
    for (const line of lines.slice(1, 2 + network.length)) expect((await fetch(line.replace(/^\w+: /, ''))).status).toBe(200);
  });

  it('stops cleanly on SIGINT too', async () => {
    const { child } = await start(['--port', '0', '--data', dataDir()]);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
  });

  it('with --demo, simulated events are stored, pushed live and counted', async () => {
    const { url } = await start(['--port', '0', '--data', dataDir(), '--demo', '--seed', '7']);
    const client = io(url, { forceNew: true, reconnection: false, auth: { token: CLI_KEY } });
    try {
      // Judged events are pushed after their batch is stored: the first live call or visit to end proves it.
      await new Promise<void>((resolveJudged, reject) => {
        client.once('judged', () => resolveJudged());
        client.once('connect_error', reject);
      });
    } finally {
      client.close();
    }
    // The 7-day history is counted as well as the live traffic: asked for the last 7 days, not the default "today",
    // which holds few events in the first minutes after midnight. The history is stored in batches after the server
    // listens, and a client that connects meanwhile hears those batches too, so the first push may precede the rest.
    const week = new URLSearchParams({ from: new Date(Date.now() - 7 * 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    const counted = async () => {
      const report = (await (await fetch(`${url}/api/v1/compliance?${week}`, { headers: { authorization: `Bearer ${CLI_KEY}` } })).json()) as ComplianceReport;
      return report.standards.reduce((n, s) => n + s.total, 0);
    };
    await expect.poll(counted, { timeout: 60_000 }).toBeGreaterThan(1000);
  }, 90_000);

  // The usage cases below are independent processes each: side by side (it.concurrent) they keep every core busy.
  const cli = (args: string[], env: Record<string, string> = {}) => runNode([mainJs, ...args], { env: { ...process.env, ...env } });
  it.concurrent.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--colour', 'red'], /Unknown option '--colour'/],
    [['--port'], /^ringside: --port needs a value, and nothing follows it \(--port N: port to listen on/],
    [['--port', '--data', 'x'], /^ringside: --port needs a value, and the next word "--data" is an option \(--port N: .*\); a value that starts with "-" is written --port=VALUE/],
    [['--demo=yes'], /^ringside: --demo takes no value\n/],
    [['--demo', 'yes', '--port', '0'], /^ringside: --demo takes no value \(got "yes"\)\n/],
    [['--data', 'x', '--retain-day', '3'], /^ringside: Unknown option '--retain-day' \(did you mean "--retain-days"\?\)\n/],
    [['--host', '999.1.1.1'], /^ringside: --host must be an address of this machine to listen on .*; "999.1.1.1" is not a valid IPv4 address/],
    [['--host', 'http://example.com'], /^ringside: --host must be .*, without a scheme, port or path \(got "http:\/\/example.com"\)/],
    [['--trust-proxy', 'true'], /^ringside: --trust-proxy must be a number of proxy hops .*, not "true": trusting every hop would let any client pick the address/],
    [['--trust-proxy', '10.0.0.0/8,proxy'], /^ringside: --trust-proxy must be .* \(got "10.0.0.0\/8,proxy": "proxy" is not an address, CIDR range or range name\)/],
    [['--database', 'postgres://127.0.0.1/x', '--database-pool', '1'], /--database-pool must be a whole number of connections from 2 to 1000 \(got "1"\)/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const result = await cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Usage:/);
    expect(result.stdout).toBe('');
  });

  it.concurrent('exits 2 naming the variable for a bad RINGSIDE_PUBLIC_URL or RINGSIDE_TRUST_PROXY, and for a --host this machine cannot listen on', async () => {
    const missing = join(dataDir(), 'data');
    const [publicUrl, trust, unknownHost, foreignAddress] = await Promise.all([
      cli(['--port', '0', '--data', missing], { RINGSIDE_PUBLIC_URL: 'notaurl' }),
      cli(['--port', '0', '--data', missing], { RINGSIDE_TRUST_PROXY: 'true' }),
      cli(['--port', '0', '--data', missing, '--host', 'no-such-host.invalid']),
      // TEST-NET-3: an address no machine running the tests has.
      cli(['--port', '0', '--data', missing, '--host', '203.0.113.254']),
    ]);
    expect(publicUrl.stderr).toBe('ringside: RINGSIDE_PUBLIC_URL must be the http:// or https:// address others call this server by, such as https://ringside.example.com (a path prefix may follow; no query), got "notaurl"\n');
    expect(trust.stderr).toMatch(/^ringside: RINGSIDE_TRUST_PROXY must be a number of proxy hops .*, not "true"/);
    expect(unknownHost.stderr).toMatch(/^ringside: could not start: --host no-such-host\.invalid is a host name the resolver does not know \(ENOTFOUND\): give an address of this machine/);
    expect(foreignAddress.stderr).toMatch(/^ringside: could not start: --host 203\.0\.113\.254 is not an address of this machine \(EADDRNOTAVAIL\)/);
    for (const r of [publicUrl, trust, unknownHost, foreignAddress]) expect(r.status).toBe(2);
    // Refused before anything was created.
    expect(existsSync(missing)).toBe(false);
  });

  it.concurrent('exits 2 naming RINGSIDE_WEBHOOK_SECRET for a secret too short or padded with white space', async () => {
    const missing = join(dataDir(), 'data');
    const [short, padded] = await Promise.all([
      cli(['--port', '0', '--data', missing, '--webhook', 'http://127.0.0.1:9/hook'], { RINGSIDE_WEBHOOK_SECRET: 'hunter2' }),
      cli(['--port', '0', '--data', missing, '--webhook', 'http://127.0.0.1:9/hook'], { RINGSIDE_WEBHOOK_SECRET: '0123456789abcdef0123\n' }),
    ]);
    expect(short.stderr).toBe('ringside: RINGSIDE_WEBHOOK_SECRET must be at least 16 characters (got 7); for example: openssl rand -hex 32\n');
    expect(padded.stderr).toMatch(/^ringside: RINGSIDE_WEBHOOK_SECRET starts or ends with white space/);
    for (const r of [short, padded]) expect(r.status).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it.concurrent('prints help with --help', async () => {
    const result = await cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--port N[\s\S]*--data DIR[\s\S]*--demo/);
  });

  it.concurrent('exits 2 when a pool size is given without a database to size it for', async () => {
    const [result, env] = await Promise.all([
      cli(['--database-pool', '20'], { RINGSIDE_DATABASE_URL: '' }),
      cli([], { RINGSIDE_DATABASE_URL: 'postgres://127.0.0.1/x', RINGSIDE_DATABASE_POOL: 'many' }),
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--database-pool \(or RINGSIDE_DATABASE_POOL\) sizes the PostgreSQL pool: it needs --database/);
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/RINGSIDE_DATABASE_POOL must be a whole number of connections from 2 to 1000 \(got "many"\)/);
  });

  it('exits 1 when the port is taken, saying so and what to do, before it creates anything', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const missing = join(dataDir(), 'data');
    const empty = dataDir();
    try {
      const [fresh, existing] = await Promise.all([runNode([mainJs, '--port', String(port), '--data', missing]), runNode([mainJs, '--port', String(port), '--data', empty])]);
      for (const result of [fresh, existing]) {
        expect(result.status).toBe(1);
        expect(result.stderr).toBe(`ringside: could not start: port ${port} on 127.0.0.1 is already in use by another program (EADDRINUSE): stop it first, or give this one its own --port (0 picks a free one)\n`);
      }
      // No folder, no store, no admin key: nothing to clean up before starting on another port.
      expect(existsSync(missing)).toBe(false);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when Redis cannot be reached, naming why: the host unknown, or nothing listening on the port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const env = { ...process.env, RINGSIDE_API_KEY: CLI_KEY, RINGSIDE_REDIS_URL: '' };
    const [unknown, refused] = await Promise.all([
      runNode([mainJs, '--port', '0', '--data', dataDir(), '--redis', 'redis://redis.invalid:6379'], { env }),
      runNode([mainJs, '--port', '0', '--data', dataDir(), '--redis', `redis://127.0.0.1:${port}`], { env }),
    ]);
    expect(unknown.status).toBe(1);
    // ENOTFOUND from a resolver that answers; EAI_AGAIN where none can be asked (no network).
    expect(unknown.stderr).toMatch(/^ringside: could not start: cannot reach Redis at redis:\/\/redis\.invalid:6379: getaddrinfo (ENOTFOUND|EAI_AGAIN) redis\.invalid\n$/);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`ringside: could not start: cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('exits 2 for a standards file it cannot read or that has problems, before it creates anything', async () => {
    const bad = join(dataDir(), 'standards.yaml');
    writeFileSync(bad, 'standards:\n  - id: x\n');
    for (const [file, problem] of [
      ['/nonexistent/standards.yaml', "  (file): cannot be read: ENOENT: no such file or directory, open '/nonexistent/standards.yaml'\n"],
      [bad, '  standards.0.name: '],
    ] as const) {
      const missing = join(dataDir(), 'data');
      const empty = dataDir();
      const [fresh, existing] = await Promise.all([runNode([mainJs, '--port', '0', '--data', missing, '--standards', file]), runNode([mainJs, '--port', '0', '--data', empty, '--standards', file])]);
      for (const result of [fresh, existing]) {
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(new RegExp(`^ringside: could not start: ${file}: \\d+ problem\\(s\\):\n`));
        expect(result.stderr).toContain(problem);
      }
      // No folder, no store, no signing key, no admin key.
      expect(existsSync(missing)).toBe(false);
      expect(readdirSync(empty)).toEqual([]);
    }
  });

  it("names its SQLite file in the server started line, and refuses (exit 2) to make a new store beside another store's audit files", async () => {
    const dir = dataDir();
    const first = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: CLI_KEY });
    children.push(first.child);
    const [started] = await first.until('stderr', /^\{.*"msg":"server started".*\}$/m);
    expect(JSON.parse(started)).toMatchObject({ dataDir: dir, store: join(dir, 'ringside.db') });
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    // A PostgreSQL node's folder (the audit files copied in, no database) started with its URL's variable misspelt.
    const node = dataDir();
    for (const f of ['audit.secret', 'audit-signing.json']) copyFileSync(join(dir, f), join(node, f));
    const env = { ...process.env, RINGSIDE_API_KEY: CLI_KEY, RINGSIDE_DATABASE_URL: '', RINGSIDE_DATABSE_URL: 'postgres://ringside@127.0.0.1:5432/ringside' };
    const refused = await runNode([mainJs, '--port', '0', '--data', node], { env });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      `ringside: could not start: ${node} holds audit.secret and audit-signing.json but no ${join(node, 'ringside.db')}: this start would make a new, empty SQLite store beside the audit files of another store ` +
        `(a PostgreSQL node's, or the database this folder lost). On PostgreSQL: start with --database postgres://… or RINGSIDE_DATABASE_URL (is it set, and spelt so, where the server starts?). ` +
        `A lost database: put it back, or restore a backup (node server/dist/main.js restore --from FILE --data ${node}). ` +
        `A new store here on purpose: make it first (node server/dist/main.js keys create --data ${node} --init --name NAME --scope admin). Nothing was created\n`,
    );
    expect(readdirSync(node).sort()).toEqual(['audit-signing.json', 'audit.secret']);
    // What it says for a new store on purpose: the server then starts on the store keys create made.
    const made = await runNode([mainJs, 'keys', 'create', '--data', node, '--init', '--name', 'ops', '--scope', 'admin'], { env });
    expect(made.status, made.stderr).toBe(0);
    const onPurpose = await startCli(['--port', '0', '--data', node], { RINGSIDE_API_KEY: CLI_KEY });
    children.push(onPurpose.child);
    onPurpose.child.kill('SIGTERM');
    expect(await onPurpose.exit).toBe(0);
  });

  it('a second server on the same folder and port is told about the server that holds the folder', async () => {
    const dir = dataDir();
    const first = await start(['--port', '0', '--data', dir]);
    const port = new URL(first.url).port;
    const second = await runNode([mainJs, '--port', port, '--data', dir], { env: { ...process.env, RINGSIDE_API_KEY: CLI_KEY } });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^ringside: could not start: another Ringside server \\(pid ${first.child.pid}, ${first.url}, started [^)]+\\) is using ${dir} \\(its lock: .*\\): one server per data folder; stop it first, or give this one its own --data\n$`));
  });
});

describe('scripts/start.mjs (pnpm start)', () => {
  it('builds what is stale, runs the server with the given arguments, serves the dashboard, and passes SIGTERM on', async () => {
    const { child, url, stdoutLines } = await start(['--port', '0', '--data', dataDir()], resolve(repo, 'scripts/start.mjs'));
    expect(stdoutLines[0]).toBe(`listening on ${url}`); // build chatter goes to stderr
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
    expect((await fetch(`${url}/`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  }, 90_000);

  // pnpm runs a script as `sh -c "<script> <arguments>"`, and a terminal's Ctrl-C (or a stop of the whole group)
  // reaches every process of the group: pnpm, that shell, start.mjs and the server. pnpm reports a shell that ended
  // by the signal as a failed command (ELIFECYCLE), whatever the server's exit code.
  it.each(['SIGINT', 'SIGTERM'] as const)('run as pnpm runs it, in its own process group, stops cleanly on %s to the group: the shell exits 0', async (signal) => {
    const script: string = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8')).scripts.start;
    const child = spawn('sh', ['-c', `${script} --port 0 --data '${dataDir()}'`], { cwd: repo, detached: true, env: { ...process.env, RINGSIDE_API_KEY: CLI_KEY } });
    const output = watchOutput(child);
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('close', (code, sig) => r([code, sig])));
    try {
      await output.until('stdout', /^dashboard: .*\n/m);
      process.kill(-child.pid!, signal);
      expect(await closed).toEqual([0, null]);
      expect(output.stderr()).toMatch(new RegExp(`"signal":"${signal}","msg":"shutting down"}\n(.*\n)*.*"msg":"server stopped"}\n`));
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 90_000);
});
