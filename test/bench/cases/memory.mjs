// Memory: the built server's RSS (from /proc, sampled every second by the harness) at a steady 1,000 events/s
// for 300 s with 50 dashboards (Socket.IO clients in a separate process) connected. Five minutes, because the
// collector's sawtooth (~160–200 MB, a period of tens of seconds) makes the trend of a shorter run's second half
// change sign from run to run; RINGSIDE_BENCH_MEMORY_SECONDS sets another length.
import { fmt, removeDir, rssMb, sleep, startRingside, tempDir } from '../lib/common.mjs';
import { drive, startClients } from '../lib/liveDriver.mjs';

export async function run({ quick, log }) {
  const seconds = quick ? 3 : Number(process.env.RINGSIDE_BENCH_MEMORY_SECONDS ?? 300);
  const dashboards = quick ? 5 : 50;
  const rate = 1000;
  const dir = tempDir('memory');
  try {
    const server = await startRingside(dir);
    let idle, connected, samples = [], driven, result, clients;
    try {
      await sleep(500);
      idle = rssMb(server.pid);
      clients = await startClients(server.url, dashboards, 1);
      connected = rssMb(server.pid);
      const started = performance.now();
      const sampler = setInterval(() => samples.push({ t: (performance.now() - started) / 1000, mb: rssMb(server.pid) }), 1000);
      try {
        driven = await drive(server.url, { rate, seconds, batch: 10, idPrefix: 'mem' });
      } finally {
        clearInterval(sampler);
      }
      await clients.delivered(driven.sent, 10_000); // the last pushes, however long they take (10 s at most)
      result = await clients.report(driven.sent);
    } finally {
      await clients?.close();
      await server.stop();
    }
    const mbs = samples.map((s) => s.mb);
    const peak = Math.max(...mbs);
    // Flat: the trend (least squares) over the second half, in MB per minute.
    const half = samples.slice(Math.floor(samples.length / 2));
    const slope = trend(half) * 60;
    const firstHalfMax = Math.max(...samples.slice(0, Math.floor(samples.length / 2)).map((s) => s.mb));
    const last = mbs.at(-1);
    // Not growing: under +10 MB/min over the second half. A falling RSS (the collector giving pages back after the
    // first half's peak) is not growth.
    const flat = slope < 10;
    const met = peak < 250 && flat && driven.failures === 0 && result.misses === 0;
    log(`memory: idle ${idle} connected ${connected} peak ${peak} slope ${slope} MB/min; ${JSON.stringify({ posted: driven.posted, failures: driven.failures, misses: result.misses })}`);
    return {
      title: 'Memory',
      how: `The built server with ${dashboards} Socket.IO dashboards connected (one separate process), ${rate} events/s posted as batches of 10 every 10 ms for ${seconds} s; RSS of the server process read from /proc/PID/status every second. "Flat" = the least-squares trend over the second half is under +10 MB/min (not growing; a falling RSS counts as flat). Baseline: the same server's RSS idle right after start.`,
      details: [
        `RSS: idle ${fmt(idle)} MB, with ${dashboards} dashboards connected ${fmt(connected)} MB, peak ${fmt(peak)} MB, at the end ${fmt(last)} MB; first-half max ${fmt(firstHalfMax)} MB; second-half trend ${fmt(slope, 1)} MB/min.`,
        `Samples (MB, one per second): ${mbs.map((m) => Math.round(m)).join(' ')}.`,
        `${fmt(driven.posted)} events at ${fmt(driven.rate)} events/s, ${driven.failures} failed POSTs${driven.reasons.length ? ` [${[...new Set(driven.reasons)].join('; ')}]` : ''}, ${driven.retries.length} retried after a connection reset${driven.retries.length ? ` [${[...new Set(driven.retries)].join(', ')}]` : ''}; ${fmt(result.samples)} deliveries, ${fmt(result.misses)} misses, live p99 ${fmt(result.p99, 1)} ms.`,
      ],
      rows: [
        {
          what: `memory (${rate}/s, ${seconds} s, ${dashboards} dashboards)`,
          measured: `peak ${fmt(peak)} MB, trend ${fmt(slope, 1)} MB/min`,
          baseline: `idle server: ${fmt(idle)} MB`,
          ratio: `+${fmt(peak - idle)} MB`,
          target: '< 250 MB and flat',
          verdict: met ? 'met' : 'missed',
          ...(met ? {} : { why: peak >= 250 ? 'The peak exceeds 250 MB.' : flat ? 'Events or pushes were lost (see details).' : `RSS still grows by ${fmt(slope, 1)} MB/min over the second half (the V8 heap and SQLite page cache may not have settled within ${seconds} s).` }),
          raw: { idle, connected, peak, slope, samples },
        },
      ],
    };
  } finally {
    removeDir(dir);
  }
}

function trend(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mx) * (p.mb - my);
    den += (p.t - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
