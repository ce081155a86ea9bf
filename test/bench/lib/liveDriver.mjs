// Drives a running server at a steady event rate while client processes listen (live latency and memory cases).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { API_KEY, http, sleep } from './common.mjs';

const HIST_BUCKET = 0.1;

export async function startClients(url, total, processes) {
  const per = Math.ceil(total / processes);
  const kids = [];
  for (let p = 0; p < processes && p * per < total; p++) {
    const n = Math.min(per, total - p * per);
    const child = fork(join(import.meta.dirname, 'liveClients.mjs'), [url, String(n), API_KEY], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('live clients did not get their snapshots in 60 s')), 60_000);
      child.on('message', (m) => {
        if (m.type === 'ready') {
          clearTimeout(t);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`client process exited ${code}`)));
    });
    kids.push({ child, ready, n });
  }
  await Promise.all(kids.map((k) => k.ready));
  const ask = (k, msg, answer) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === answer) {
          k.child.off('message', on);
          resolve(m);
        }
      };
      k.child.on('message', on);
      k.child.send(msg);
    });
  return {
    /**
     * Resolves once every client has received every event of `sent` (checked on each push), or after `deadlineMs`
     * if some never arrive: the report then counts them as missed. True when nothing is missing.
     */
    async delivered(sent, deadlineMs) {
      const ids = sent.map(([id]) => id);
      const answers = await Promise.all(kids.map((k) => ask(k, { type: 'await', ids, deadlineMs }, 'delivered')));
      return answers.every((a) => a.complete);
    },
    async report(sent) {
      return mergeResults(await Promise.all(kids.map((k) => ask(k, { type: 'report', sent }, 'result'))));
    },
    async close() {
      for (const k of kids) k.child.send({ type: 'close' });
      await Promise.all(kids.map((k) => (k.child.exitCode !== null ? null : new Promise((r) => k.child.once('exit', r)))));
    },
  };
}

function mergeResults(results) {
  const hist = new Float64Array(results[0].hist.length);
  const out = { samples: 0, misses: 0, early: 0, clientsMissing: 0, disconnects: 0 };
  for (const r of results) {
    r.hist.forEach((v, i) => (hist[i] += v));
    for (const k of Object.keys(out)) out[k] += r[k];
  }
  const pct = (p) => {
    const target = Math.ceil((p / 100) * out.samples);
    let acc = 0;
    for (let i = 0; i < hist.length; i++) {
      acc += hist[i];
      if (acc >= target) return (i + 1) * HIST_BUCKET;
    }
    return NaN;
  };
  let max = 0;
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i] > 0) {
    max = (i + 1) * HIST_BUCKET;
    break;
  }
  return { ...out, p50: pct(50), p90: pct(90), p99: pct(99), max };
}

/**
 * Posts `rate` events/s for `seconds` as batches of `batch` (every batch/rate s, on an absolute schedule), each
 * event with its own id. Returns the response time of every event (epoch ms, high resolution) and the statistics.
 */
export async function drive(url, { rate, seconds, batch, onSecond, idPrefix = 'w' }) {
  const sent = [];
  const intervalMs = (batch / rate) * 1000;
  const total = Math.round(rate * seconds);
  const startedAt = performance.now();
  const inflight = new Set();
  let posted = 0;
  let failures = 0;
  const roundTrips = [];
  const reasons = [];
  const retries = [];
  let lateTicks = 0;
  let nextSecond = 1;
  for (let tick = 0; posted < total; tick++) {
    const due = startedAt + tick * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -intervalMs) lateTicks += 1;
    const n = Math.min(batch, total - posted);
    const events = [];
    for (let i = 0; i < n; i++) {
      const id = `live-${idPrefix}-${posted + i}`;
      events.push({ id, type: 'call', site: `site-${String((posted + i) % 20).padStart(2, '0')}`, occurredAt: new Date().toISOString(), outcome: 'answered', rings: 1 + ((posted + i) % 4), agent: 'a1' });
    }
    posted += n;
    // A connection reset on a reused keep-alive socket (the client-side race with the server closing it) is
    // retried once with the same ids: ingest is idempotent per id, so a retry never stores an event twice.
    const post = () => http('POST', `${url}/api/v1/events`, { body: { events } });
    const p = post()
      .catch((error) => {
        retries.push(String(error.code ?? error.message));
        return post();
      })
      .then(
        (res) => {
          const at = performance.timeOrigin + res.end;
          roundTrips.push(res.ms);
          if (res.status !== 201 && res.status !== 200) {
            failures += 1;
            reasons.push(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
          } else for (const e of events) sent.push([e.id, at]);
        },
        (error) => {
          failures += 1;
          reasons.push(String(error.code ?? error.message));
        },
      );
    inflight.add(p);
    p.finally(() => inflight.delete(p));
    if (onSecond && performance.now() - startedAt >= nextSecond * 1000) {
      onSecond(nextSecond);
      nextSecond += 1;
    }
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - startedAt) / 1000;
  const rt = Float64Array.from(roundTrips).sort();
  return { sent, posted, failures, reasons, retries, lateTicks, elapsed, rate: posted / elapsed, postP50: rt[Math.ceil(rt.length * 0.5) - 1], postP99: rt[Math.ceil(rt.length * 0.99) - 1] };
}
