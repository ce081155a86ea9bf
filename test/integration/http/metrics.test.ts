// GET /api/v1/metrics: what a monitoring system scraping a node sees after real requests, with a key of scope metrics.
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BANDS_ONLY, calls, MINUTE, startReceiver, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, TEST_ADMIN_KEY, useTestServer } from '../support/testServer';

const server = useTestServer();

/** The samples of a Prometheus text exposition, by `name{labels}` as written. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function metricsKey(): Promise<string> {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'prometheus', scopes: ['metrics'] }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function scrape(key: string): Promise<{ status: number; type: string | null; cache: string | null; text: string }> {
  const res = await fetch(`${server().url}/api/v1/metrics`, { headers: adminHeaders(key) });
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), text: await res.text() };
}

describe('GET /api/v1/metrics', () => {
  it('counts the events stored and their verdicts, and every answer by its route, method and status', async () => {
    const key = await metricsKey();
    const before = samples((await scrape(key)).text);
    const stored = (name: string) => before.get(name) ?? 0;
    // Two calls answered within two rings (met), one on the fifth (missed), one refused (rings is not a number).
    expect((await server().postEvents({ events: [call({ rings: 1 }), call({ rings: 2 }), call({ rings: 5 })] })).status).toBe(201);
    expect((await server().postEvents(call({ rings: 'two' }))).status).toBe(400);
    expect((await fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await server().getJson('/api/v1/no-such-thing')).status).toBe(404);
    expect((await fetch(`${server().url}/api/v1/events`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(405);
    expect((await fetch(`${server().url}/`)).status).toBe(200);
    expect((await server().getJson('/api/v1/standards/call-answer-2-rings')).status).toBe(200);

    const answer = await scrape(key);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.cache).toBe('no-store');
    const after = samples(answer.text);
    expect(after.get('ringside_events_stored_total')).toBe(stored('ringside_events_stored_total') + 3);
    expect(after.get('ringside_judgements_total{verdict="met"}')).toBe(stored('ringside_judgements_total{verdict="met"}') + 2);
    expect(after.get('ringside_judgements_total{verdict="missed"}')).toBe(stored('ringside_judgements_total{verdict="missed"}') + 1);
    const requests = (labels: string) => after.get(`ringside_http_requests_total{${labels}}`);
    expect(requests('route="/api/v1/events",method="POST",status="201"')).toBe(1);
    expect(requests('route="/api/v1/events",method="POST",status="400"')).toBe(1);
    // Refused before its handler (no key): still counted under its route, not its raw path.
    expect(requests('route="/api/v1/events",method="POST",status="401"')).toBe(1);
    expect(requests('route="(none)",method="GET",status="404"')).toBe(1);
    // A method no route serves at a path is no route's either.
    expect(requests('route="(none)",method="DELETE",status="405"')).toBe(1);
    expect(requests('route="(dashboard)",method="GET",status="200"')).toBe(1);
    // A route with a parameter is one label, whatever the id.
    expect(requests('route="/api/v1/standards/:id",method="GET",status="200"')).toBe(1);
    expect(after.get('ringside_http_request_duration_seconds_count{route="/api/v1/events",method="POST"}')).toBe(3);
    expect(after.get('ringside_ready')).toBe(1);
    expect(after.get('ringside_leader')).toBe(1);
    expect(after.get('ringside_live_clients')).toBe(0);
    expect(after.get('ringside_open_cases')).toBe(0);
    // Node's own figures come along, as every Node exporter gives them.
    expect(after.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect([...after.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds'))).toBe(true);
  });

  it('labels nothing with the data: no site, standard or key appears in the figures', async () => {
    const key = await metricsKey();
    await server().postEvents(call({ site: 'harbour-secret', rings: 1 }));
    const text = (await scrape(key)).text;
    expect(text).not.toContain('harbour-secret');
    expect(text).not.toContain('call-answer-2-rings');
    expect(text).not.toContain(key);
  });

  it('is for a metrics or admin key: a metrics key reads none of the data, and a read key cannot scrape', async () => {
    const key = await metricsKey();
    expect((await scrape(TEST_ADMIN_KEY)).status).toBe(200);
    expect((await fetch(`${server().url}/api/v1/compliance`, { headers: adminHeaders(key) })).status).toBe(403);
    const read = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'wall', scopes: ['read'] }) });
    const readKey = ((await read.json()) as { key: string }).key;
    const refused = await fetch(`${server().url}/api/v1/metrics`, { headers: adminHeaders(readKey) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/metrics/);
  });
});

describe('a request whose client hangs up before its answer', () => {
  it('is counted under its route as aborted, and leaves the in-flight gauge', async () => {
    const key = await metricsKey();
    const inFlight = async () => samples((await scrape(key)).text).get('ringside_http_requests_in_flight');
    const timed = 'ringside_http_request_duration_seconds_count{route="/api/v1/events",method="POST"}';
    const timedBefore = samples((await scrape(key)).text).get(timed) ?? 0;
    const { port } = new URL(server().url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    // Headers and the start of a body that never ends: the route is reading it when the client goes away.
    socket.write(`POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events": [`);
    // The scrape counts itself: 2 once the server holds the upload.
    for (let tries = 0; tries < 200 && (await inFlight()) !== 2; tries += 1);
    socket.destroy();
    const aborted = 'ringside_http_requests_total{route="/api/v1/events",method="POST",status="aborted"}';
    let after = samples((await scrape(key)).text);
    // The server hears the hang-up within a few of its own turns; a bounded wait, not a timer.
    for (let tries = 0; tries < 200 && after.get(aborted) === undefined; tries += 1) after = samples((await scrape(key)).text);
    expect(after.get(aborted)).toBe(1);
    expect(after.get('ringside_http_requests_in_flight')).toBe(1);
    expect(after.get(timed)).toBe(timedBefore + 1);
  });
});

describe('the webhook outbox in GET /api/v1/metrics', () => {
  it('shows a delivery the receiver refuses as pending, and how long it has waited, until it is delivered', async () => {
    const receiver = await startReceiver(1);
    const clock = testClock(T0);
    const node = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 60_000, jitter: 0 } } });
    const outbox = async () => {
      const res = await fetch(`${node.url}/api/v1/metrics`, { headers: adminHeaders(node.apiKey) });
      const all = samples(await res.text());
      return [all.get('ringside_webhook_deliveries_pending'), all.get('ringside_webhook_oldest_pending_seconds')];
    };
    try {
      expect(await outbox()).toEqual([0, 0]);
      expect((await node.postEvents({ events: calls(5, 5, T0 - MINUTE) })).status).toBe(201); // 50 %: an incident opens
      await node.testApi.webhooksIdle();
      expect(receiver.requests.map((r) => r.answered)).toEqual([500]);
      await clock.advance(30_000);
      expect(await outbox()).toEqual([1, 30]);
      await clock.advance(30_000); // the retry, answered 204
      await node.testApi.webhooksIdle();
      expect(receiver.requests.map((r) => r.answered)).toEqual([500, 204]);
      expect(await outbox()).toEqual([0, 0]);
    } finally {
      await node.close();
      await receiver.close();
      removeDir(node.dataDir);
    }
  });

  it('counts a delivery given up as failed: the pending gauges fall back to 0 just when a page was lost', async () => {
    const receiver = await startReceiver(1_000); // answers 500 to everything
    const clock = testClock(T0);
    const node = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { maxAttempts: 3, baseDelayMs: 1000, jitter: 0 } } });
    const figures = async () => {
      const all = samples(await (await fetch(`${node.url}/api/v1/metrics`, { headers: adminHeaders(node.apiKey) })).text());
      return {
        pending: all.get('ringside_webhook_deliveries_pending'),
        delivered: all.get('ringside_webhook_deliveries_total{result="delivered"}'),
        failed: all.get('ringside_webhook_deliveries_total{result="failed"}'),
        failedAttempts: all.get('ringside_webhook_attempts_failed_total'),
      };
    };
    try {
      expect(await figures()).toEqual({ pending: 0, delivered: 0, failed: 0, failedAttempts: 0 });
      await node.postEvents({ events: calls(5, 5, T0 - MINUTE) }); // 50 %: an incident opens
      await node.testApi.webhooksIdle();
      expect(await figures()).toEqual({ pending: 1, delivered: 0, failed: 0, failedAttempts: 1 });
      await clock.advance(1000);
      await node.testApi.webhooksIdle();
      await clock.advance(2000); // the 3rd and last attempt
      await node.testApi.webhooksIdle();
      expect(receiver.requests).toHaveLength(3);
      expect(await figures()).toEqual({ pending: 0, delivered: 0, failed: 1, failedAttempts: 3 });
    } finally {
      await node.close();
      await receiver.close();
      removeDir(node.dataDir);
    }
  });
});
