#!/usr/bin/env node
// Bounded soak (not part of the default test run):
//   node test/soak/soak.mjs [--minutes 3] [--rate 50] [--clients 100]
// Starts the built CLI on a temp data folder, connects N Socket.IO clients, posts events at a steady rate for the
// given time, and reports the server's RSS over time and event loss: every acknowledged event must be stored
// once and delivered to every client ("loss" must be 0). Exit code 1 if anything was lost.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '3' }, rate: { type: 'string', default: '50' }, clients: { type: 'string', default: '100' } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const clientCount = Number(values.clients);
const repo = resolve(import.meta.dirname, '../..');
const KEY = 'rs_soak-' + Math.random().toString(36).slice(2) + '-0123456789abcdef';

execFileSync(process.execPath, [join(repo, 'server/build.mjs')], { stdio: 'inherit' });
const dataDir = mkdtempSync(join(tmpdir(), 'ringside-soak-'));
const child = spawn(process.execPath, [join(repo, 'server/dist/main.js'), '--port', '0', '--data', dataDir, '--rate-limit', '0', '--log-level', 'warn'], {
  env: { ...process.env, RINGSIDE_API_KEY: KEY },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((res, rej) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (\S+)/.exec(out);
    if (m) res(m[1]);
  });
  child.once('exit', (code) => rej(new Error(`server exited ${code}`)));
});
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

const received = new Array(clientCount).fill(0);
const disconnects = new Array(clientCount).fill(0);
// Resolves once every client has been pushed `count` events (checked on each push), or after `deadlineMs` if
// some never arrive: the report then counts what is missing as loss.
let deliveryWait = null;
const delivered = (count, deadlineMs) =>
  new Promise((res) => {
    const done = () => (clearTimeout(timer), (deliveryWait = null), res());
    const timer = setTimeout(done, deadlineMs);
    deliveryWait = () => Math.min(...received) >= count && done();
    deliveryWait();
  });
const clients = await Promise.all(
  Array.from({ length: clientCount }, (_, i) =>
    new Promise((res, rej) => {
      const c = io(url, { forceNew: true, transports: ['websocket'], auth: { token: KEY } });
      c.on('judged', (events) => ((received[i] += events.length), deliveryWait?.()));
      c.on('disconnect', () => (disconnects[i] += 1));
      c.once('snapshot', () => res(c));
      c.once('connect_error', rej);
    }),
  ),
);
console.log(`soak: ${clientCount} clients connected to ${url}; ${rate} events/s for ${minutes} min`);

const acked = new Set();
let sent = 0;
let failures = 0;
const started = Date.now();
const endAt = started + minutes * 60_000;
const samples = [];
const tickMs = 100;
let next = started;
let seq = 0;
const sampler = setInterval(() => {
  const s = { t: Math.round((Date.now() - started) / 1000), rssMb: rssMb(), acked: acked.size };
  samples.push(s);
  console.log(`t=${s.t}s rss=${s.rssMb} MB acked=${s.acked}`);
}, 10_000);
samples.push({ t: 0, rssMb: rssMb(), acked: 0 });
while (Date.now() < endAt) {
  const n = Math.max(1, Math.round((rate * tickMs) / 1000));
  const events = Array.from({ length: n }, () => {
    const id = `soak-${seq++}`;
    return seq % 3 === 0
      ? { id, type: 'visit', site: ['downtown', 'airport', 'harbour'][seq % 3], occurredAt: new Date(Date.now() - 1000).toISOString(), outcome: 'greeted', greetSeconds: seq % 45 }
      : { id, type: 'call', site: ['downtown', 'airport', 'harbour'][seq % 3], occurredAt: new Date(Date.now() - 1000).toISOString(), outcome: 'answered', rings: seq % 4 };
  });
  sent += n;
  try {
    const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ events }) });
    if (res.status === 201 || res.status === 200) events.forEach((e) => acked.add(e.id));
    else failures += 1;
    await res.arrayBuffer();
  } catch {
    failures += 1;
  }
  next += tickMs;
  // Real time on purpose: this paces the posts at --rate for --minutes of wall-clock time, which is the load.
  await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
}
clearInterval(sampler);
const postsEnded = Date.now();
await delivered(acked.size, 30_000); // the last pushes, however long the server takes to send them
const lastPushesMs = Date.now() - postsEnded;
samples.push({ t: Math.round((Date.now() - started) / 1000), rssMb: rssMb(), acked: acked.size });

// Stored: every acknowledged id is a duplicate on re-post only if it is there; count through the compliance API.
const report = await (await fetch(`${url}/api/v1/compliance?from=${encodeURIComponent(new Date(started - 120_000).toISOString())}`, { headers: { authorization: `Bearer ${KEY}` } })).json();
const storedJudged = report.standards.reduce((n, s) => n + s.total, 0);
const minReceived = Math.min(...received);
const maxReceived = Math.max(...received);
const result = {
  minutes,
  ratePerSecond: rate,
  clients: clientCount,
  sent,
  acknowledged: acked.size,
  failedRequests: failures,
  storedAndJudged: storedJudged,
  deliveredPerClient: { min: minReceived, max: maxReceived },
  clientDisconnects: disconnects.reduce((a, b) => a + b, 0),
  lossStored: acked.size - storedJudged,
  lossDelivered: acked.size - minReceived,
  lastPushesMs,
  rssMb: { start: samples[0].rssMb, end: samples.at(-1).rssMb, max: Math.max(...samples.map((s) => s.rssMb)) },
  samples,
};
console.log(JSON.stringify(result, null, 2));
clients.forEach((c) => c.close());
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
process.exit(result.lossStored === 0 && result.lossDelivered === 0 && failures === 0 ? 0 : 1);
