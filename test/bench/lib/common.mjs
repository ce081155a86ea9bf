// Shared helpers of the benchmark harness: child servers, RSS, percentiles, HTTP with keep-alive.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, totalmem, tmpdir, freemem } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export const REPO = join(import.meta.dirname, '../../..');
/** Packages the server depends on (express, better-sqlite3) resolve from server/. */
export const serverRequire = createRequire(join(REPO, 'server/package.json'));
export const API_KEY = 'rs_bench-0123456789abcdef0123456789abcdef';
export const AUTH = { authorization: `Bearer ${API_KEY}` };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `ringside-bench-${prefix}-`));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function dirSizeMb(dir) {
  let total = 0;
  for (const f of ['ringside.db', 'ringside.db-wal']) if (existsSync(join(dir, f))) total += statSync(join(dir, f)).size;
  return total / 1024 / 1024;
}

/**
 * Builds the server once per harness run as this run's own files (server/dist/bench-<pid>.js and its
 * bench-<pid>-cli-*.js chunks: same folder as dist/main.js, so their relative paths to package.json and the webview
 * still hold), and starts servers from them. The working tree is shared: tests, `pnpm build` and other bench runs
 * rewrite dist/main.js and its chunks from whatever the sources are at that moment, and a case's server starts
 * minutes after the build (after its fixture), so it could run other code than the run built, a half-edited export
 * included.
 */
let built = null;
export function buildServer() {
  if (built) return built;
  const name = `bench-${process.pid}`;
  execFileSync(process.execPath, [join(REPO, 'server/build.mjs'), '--name', name], { cwd: join(REPO, 'server'), stdio: ['ignore', 'ignore', 'inherit'] });
  const dist = join(REPO, 'server/dist');
  process.once('exit', () => {
    for (const file of readdirSync(dist)) if (file.startsWith(`${name}.`) || file.startsWith(`${name}-`)) rmSync(join(dist, file), { force: true });
  });
  built = join(dist, `${name}.js`);
  return built;
}

let webviewBuilt = false;

/**
 * Builds the dashboard's page and bundle (webview/dist), which the server serves at `/`: a fresh clone has none, and
 * the render case would load the server's "not built" page instead. Built as `pnpm build` builds it, once per run.
 */
export function buildWebview() {
  if (webviewBuilt) return;
  execFileSync(process.execPath, [join(REPO, 'webview/build.mjs')], { cwd: join(REPO, 'webview'), stdio: ['ignore', 'ignore', 'inherit'] });
  webviewBuilt = true;
}

export function machine() {
  const c = cpus();
  return {
    cores: c.length,
    cpu: c[0]?.model ?? 'unknown',
    memoryGb: +(totalmem() / 1024 ** 3).toFixed(1),
    freeGb: +(freemem() / 1024 ** 3).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load: readLoad(),
  };
}

function readLoad() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts a child that prints `listening on URL` (the built Ringside CLI or a baseline server).
 * Returns { url, pid, child, stop() }.
 */
export async function startChild(args, { env = {}, nodeArgs = [], cwd = REPO } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    pid: child.pid,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The built Ringside CLI with an API key from the environment (auth on, as in production), rate limit off. */
export function startRingside(dataDir, { nodeArgs = [], extra = [], profile = false } = {}) {
  // --profile: the server's V8 CPU profile goes to DIR/prof (kept by removeDataDir).
  const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dataDir, 'prof')}`] : [];
  return startChild([buildServer(), '--port', '0', '--data', dataDir, '--rate-limit', '0', '--log-level', 'warn', ...extra], {
    env: { RINGSIDE_API_KEY: API_KEY },
    nodeArgs: [...profiling, ...nodeArgs],
  });
}

/**
 * Puts what was written before on disk (`sync`) before something is measured, so no measurement shares the disk and
 * the cores with the write-back of another's files: between cases (the query case writes and deletes a ~5 GB
 * fixture, the export case a 1 M-event one), and between a case's fixture and its rounds. Logged when it took longer
 * than 0.1 s; returns the milliseconds it took.
 */
export function settleDisk(log, before) {
  const t = Date.now();
  execFileSync('sync');
  const ms = Date.now() - t;
  if (ms > 100) log(`disk settled in ${(ms / 1000).toFixed(1)} s (sync) before ${before}`);
  return ms;
}

/** Busy and total clock ticks of all cores so far, from /proc/stat (idle and iowait are not busy). */
function cpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/**
 * Waits until the machine has been quiet (at most `busyAtMost` of its cores busy, by /proc/stat) for two seconds in a
 * row before a case starts, up to `limitMs`: a case that measures latency on these 2 cores is otherwise measured
 * beside whatever the previous case left running (a dropped 10 M-event database's aftermath, the kernel paging out
 * gigabytes of cache it no longer needs). Returns how long it waited and how busy the last two seconds were; logged
 * when it waited over a second or gave up.
 */
export async function settleCpu(log, before, { busyAtMost = 0.15, limitMs = 120_000 } = {}) {
  const started = Date.now();
  const windows = [];
  let last = cpuTicks();
  for (;;) {
    await sleep(1000);
    const now = cpuTicks();
    windows.push(now.total > last.total ? (now.busy - last.busy) / (now.total - last.total) : 0);
    last = now;
    const recent = windows.slice(-2);
    const busy = recent.reduce((a, b) => a + b, 0) / recent.length;
    const waitedMs = Date.now() - started;
    const quiet = recent.length === 2 && recent.every((b) => b <= busyAtMost);
    if (quiet || waitedMs >= limitMs) {
      if (!quiet) log(`machine still ${Math.round(busy * 100)} % busy after ${Math.round(waitedMs / 1000)} s before ${before}: measuring anyway`);
      else if (waitedMs > 2500) log(`machine quiet after ${(waitedMs / 1000).toFixed(1)} s before ${before}`);
      return { waitedMs, busy, quiet };
    }
  }
}

/** Removes a case's data folder, unless the run was profiled: then it holds the profile, and says where. */
export function removeDataDir(dir, { profile = false, log } = {}) {
  if (profile) log(`profile kept in ${dir}/prof`);
  else removeDir(dir);
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (clock ticks of 10 ms). On a shared machine
 * a server's CPU time per request moves far less with the load than its throughput does.
 */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** The PostgreSQL server's shared writers: each commit's WAL flush and the pages written back are their work. */
const POSTGRES_WRITERS = /^postgres: .*(walwriter|checkpointer|background writer)\s*$/;

/**
 * CPU time (ms) of the PostgreSQL processes working for `database` so far, per pid: its backends (whose process
 * title names the database) and the server's shared writers. Take two readings and pass both to cpuSince.
 */
export function postgresCpu(database) {
  const readings = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let title;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // ended while listed
    }
    if (!title.startsWith('postgres: ') || !(title.split(' ').includes(database) || POSTGRES_WRITERS.test(title))) continue;
    const ms = cpuMs(Number(pid));
    if (Number.isFinite(ms)) readings.set(pid, ms);
  }
  return readings;
}

/** CPU (ms) used between two postgresCpu readings: a process new since the first counts from its start; one that ended before the second is not counted (an undercount). */
export function cpuSince(before, after) {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/** POST/GET with keep-alive; resolves { status, body (string), ms }. */
export function http(method, url, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(url, { method, agent: keepAlive, headers: { ...AUTH, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, end: performance.now() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

/** One deterministic single event body (calls at 20 sites). */
export function eventBody(i, nowMs = Date.now()) {
  return { type: 'call', site: `site-${String(i % 20).padStart(2, '0')}`, occurredAt: new Date(nowMs - 1000).toISOString(), outcome: 'answered', rings: 1 + (i % 4), agent: `a${i % 10}` };
}

/** A batch of `n` deterministic events around now (mixed calls and visits, 20 sites). */
export function batchBody(n, seed, nowMs = Date.now()) {
  const events = [];
  for (let i = 0; i < n; i++) {
    const k = seed * 7919 + i;
    const site = `site-${String(k % 20).padStart(2, '0')}`;
    const occurredAt = new Date(nowMs - ((k * 37) % 3_600_000)).toISOString();
    events.push(k % 10 < 7
      ? { type: 'call', site, occurredAt, outcome: k % 20 === 0 ? 'abandoned' : 'answered', rings: 1 + (k % 4), queue: `q${k % 3}`, agent: `a${k % 10}` }
      : { type: 'visit', site, occurredAt, outcome: k % 20 === 1 ? 'left' : 'greeted', greetSeconds: k % 60, agent: `a${k % 10}` });
  }
  return { events };
}
