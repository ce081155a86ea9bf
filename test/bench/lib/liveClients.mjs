// A child process holding N Socket.IO clients (the load generator must not share the server's event loop,
// nor the poster's). Records when each client receives each judged event; on request, turns that into a
// latency histogram against the poster's response times. IPC: → {type:'ready'}, ← {type:'await', ids, deadlineMs},
// → {type:'delivered', complete}, ← {type:'report', sent}, → {type:'result', …}, ← {type:'close'}.
import { io } from 'socket.io-client';

const [url, countText, token] = process.argv.slice(2);
const count = Number(countText);
const now = () => performance.timeOrigin + performance.now();
const clients = [];
let received = 0;

// Arrival times by event number, per id prefix (ids are live-<prefix>-<n>): typed arrays, not a Map of strings,
// so 200 clients × 10,000 events do not make the listening processes' own garbage collection part of the latency.
function arrivalLog() {
  const byPrefix = new Map();
  return {
    set(id, t) {
      const m = /^live-([a-z]+)-(\d+)$/.exec(id);
      if (!m) return;
      const n = Number(m[2]);
      let a = byPrefix.get(m[1]);
      if (!a || a.length <= n) {
        const grown = new Float64Array(Math.max(1024, (n + 1) * 2));
        if (a) grown.set(a);
        byPrefix.set(m[1], (a = grown));
      }
      a[n] = t;
    },
    get(id) {
      const m = /^live-([a-z]+)-(\d+)$/.exec(id);
      const a = m && byPrefix.get(m[1]);
      const n = m ? Number(m[2]) : -1;
      return a && n < a.length && a[n] !== 0 ? a[n] : undefined;
    },
  };
}

for (let i = 0; i < count; i++) {
  const arrivals = arrivalLog();
  const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: false });
  const client = { socket, arrivals, snapshot: false, disconnects: 0, pending: new Set() };
  socket.on('snapshot', () => (client.snapshot = true));
  socket.on('judged', (list) => {
    const t = now();
    for (const j of list) arrivals.set(j.event.id, t);
    received += list.length;
    if (awaiting) arrived(client, list);
  });
  socket.on('disconnect', () => (client.disconnects += 1));
  socket.on('connect_error', (e) => process.send?.({ type: 'error', message: e.message }));
  clients.push(client);
}

// Waiting for deliveries ('await'): each client's ids not yet received, struck off as pushes bring them; answered
// when none is left, or at the deadline with what is still missing (the report then counts it as missed).
let awaiting = null;
function arrived(client, list) {
  for (const j of list) client.pending.delete(j.event.id);
  if (client.pending.size === 0 && clients.every((c) => c.pending.size === 0)) finishAwait(true);
}
function finishAwait(complete) {
  clearTimeout(awaiting.timer);
  awaiting = null;
  process.send?.({ type: 'delivered', complete });
}

const ready = setInterval(() => {
  if (clients.every((c) => c.snapshot)) {
    clearInterval(ready);
    process.send?.({ type: 'ready' });
  }
}, 20);

// Histogram: 0.1 ms buckets up to 5 s; arrivals before the POST's response count as 0.
const BUCKET = 0.1;
const BUCKETS = 50_000;
process.on('message', (msg) => {
  if (msg.type === 'await') {
    for (const c of clients) c.pending = new Set(msg.ids.filter((id) => c.arrivals.get(id) === undefined));
    awaiting = { timer: setTimeout(() => finishAwait(false), msg.deadlineMs) };
    if (clients.every((c) => c.pending.size === 0)) finishAwait(true);
  } else if (msg.type === 'report') {
    const hist = new Uint32Array(BUCKETS + 1);
    let misses = 0;
    let early = 0;
    let samples = 0;
    const missedBy = [];
    for (const c of clients) {
      let mine = 0;
      for (const [id, sentAt] of msg.sent) {
        const at = c.arrivals.get(id);
        if (at === undefined) {
          misses += 1;
          mine += 1;
          continue;
        }
        const d = at - sentAt;
        if (d < 0) early += 1;
        hist[Math.min(BUCKETS, Math.max(0, Math.floor(d / BUCKET)))] += 1;
        samples += 1;
      }
      if (mine > 0) missedBy.push(mine);
    }
    process.send?.({ type: 'result', hist: Array.from(hist), samples, misses, early, clientsMissing: missedBy.length, disconnects: clients.reduce((n, c) => n + c.disconnects, 0), received });
  } else if (msg.type === 'close') {
    for (const c of clients) c.socket.close();
    setTimeout(() => process.exit(0), 100);
  }
});
