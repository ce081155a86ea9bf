// Live latency: 200 Socket.IO clients (2 processes) connected to the built server; 1,000 events/s posted as
// batches of 10 every 10 ms; per client and event, time from the POST's response to the `judged` arrival.
import { fmt, removeDataDir, sleep, startRingside, tempDir } from '../lib/common.mjs';
import { drive, startClients } from '../lib/liveDriver.mjs';

export async function run({ quick, log, profile }) {
  const clientsWanted = quick ? 10 : 200;
  const seconds = quick ? 1 : 10;
  const rate = 1000;
  const batch = 10;
  const dir = tempDir('live');
  try {
    const server = await startRingside(dir, { profile });
    let clients, driven, result;
    try {
      clients = await startClients(server.url, clientsWanted, quick ? 1 : 2);
      await drive(server.url, { rate, seconds: 0.5, batch }); // warm-up, not measured
      await sleep(500);
      driven = await drive(server.url, { rate, seconds, batch, idPrefix: 'm' });
      await clients.delivered(driven.sent, 10_000); // the last pushes, however long they take (10 s at most)
      result = await clients.report(driven.sent);
    } finally {
      await clients?.close();
      await server.stop();
    }
    log(`live: ${JSON.stringify({ ...result, posted: driven.posted, failures: driven.failures, rate: driven.rate, lateTicks: driven.lateTicks })}`);
    const expected = driven.sent.length * clientsWanted;
    const met = result.p99 < 50 && result.misses === 0 && driven.failures === 0 && result.samples === expected;
    return {
      title: 'Live latency',
      how: `${clientsWanted} socket.io-client connections (WebSocket) in ${quick ? 1 : 2} separate process(es), all holding their snapshot; the harness posts ${rate} events/s for ${seconds} s as batches of ${batch} every ${(batch / rate) * 1000} ms on an absolute schedule (after a 0.5 s warm-up). Latency per client and event = arrival of the \`judged\` message carrying the event's id − the moment the POST's response was complete (both on this machine's clock, \`performance.timeOrigin + performance.now()\`). The server emits before it answers, so an arrival may precede the response: those count as 0 ms. A miss is an acknowledged event some client never received. Baseline: the POST's own round trip.`,
      details: [
        `${fmt(driven.posted)} events posted at ${fmt(driven.rate)} events/s (${driven.failures} failed POSTs${driven.reasons.length ? ` [${[...new Set(driven.reasons)].join('; ')}]` : ''}, ${driven.retries.length} retried after a connection reset${driven.retries.length ? ` [${[...new Set(driven.retries)].join(', ')}]` : ''}, ${driven.lateTicks} ticks late); ${fmt(result.samples)} deliveries of ${fmt(expected)} expected; ${fmt(result.misses)} missed (${result.clientsMissing} clients missing something), ${result.disconnects} disconnects, ${fmt(result.early)} arrived before the response.`,
        `Latency: p50 ${fmt(result.p50, 1)} ms, p90 ${fmt(result.p90, 1)} ms, p99 ${fmt(result.p99, 1)} ms, max ${fmt(result.max, 1)} ms.`,
      ],
      rows: [
        {
          what: `live latency (${clientsWanted} clients, ${rate}/s)`,
          measured: `p99 ${fmt(result.p99, 1)} ms, ${fmt(result.misses)} misses`,
          baseline: `POST round trip of the same batches: p50 ${fmt(driven.postP50, 1)} ms, p99 ${fmt(driven.postP99, 1)} ms`,
          ratio: '',
          target: 'p99 < 50 ms, no misses',
          verdict: met ? 'met' : 'missed',
          ...(met
            ? {}
            : { why: `Most events reach every client before the POST's own answer (p50 ${fmt(result.p50, 1)} ms), but the tail follows the server's event-loop delay: the POST round trip of the same batches has p99 ${fmt(driven.postP99, 1)} ms. On 2 cores the server shares the CPU with two client processes decoding ${fmt((clientsWanted * rate) / batch * 2)} messages/s and with the poster, and each stored batch costs the server its audit-chain writes plus ${clientsWanted} socket writes for its events (today's figures follow at most every 100 ms). Holding the events themselves for a few milliseconds to send fewer messages (tried, see the notes) did not lower the p99.` }),
          raw: { result, driven: { posted: driven.posted, failures: driven.failures, rate: driven.rate } },
        },
      ],
    };
  } finally {
    removeDataDir(dir, { profile, log });
  }
}
