// autocannon, run from the harness process (the server under test is a child process).
import autocannon from 'autocannon';

export function cannon({ url, body, headers = {}, connections, duration, pipelining = 1 }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, connections, duration, pipelining },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** Successful requests per second over the whole run, and latency percentiles (ms). */
export function figures(r) {
  const ok = r['2xx'] ?? 0;
  return { ok, errors: r.errors + r.timeouts + (r.non2xx ?? 0), rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, duration: r.duration };
}
