// The server's own figures for a monitoring system, in Prometheus's text format (GET /api/v1/metrics): requests and
// their latency by route, events stored, live clients, open cases, the webhook outbox, readiness and leadership, and
// Node's process figures (CPU, memory, event-loop delay, garbage collection). Counted in the adapter from what the
// services already tell their listeners; nothing of the data (no site, no standard, no key) is a label, so a scraper's
// key reads none.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { API_PREFIX, isCounted } from '../protocol';
import type { Judgement } from '../protocol';
import type { WebhookCounts } from '../services/alerts/webhooks';
import type { IngestService } from '../services/ingest/ingest';
import { apiPathOf } from './auth';
import parseurl from 'parseurl';
import type { NodeHandler } from './plain';
import { routePathFor } from './scopes';

export interface MetricsSources {
  version: string;
  ingest: Pick<IngestService, 'onStored'>;
  /** Cases open now (calls ringing, visitors waiting, complaints open): the store's, which every node's clocks watch. */
  openCases: () => number;
  readiness: () => Promise<{ ready: boolean }>;
  isLeading: () => boolean;
  /** The webhook deliveries waiting in the store's outbox (every node's): when each was made. */
  pendingWebhooks: () => Promise<ReadonlyArray<{ createdAtMs: number }>>;
  /** What this node's webhook deliveries came to since it started. */
  webhookCounts: () => Readonly<WebhookCounts>;
  /** Whether this node's start found the store's audit chain no longer passing through the head its data folder remembered. */
  chainRewound: () => boolean;
  now: () => number;
  /** The HTTP and live fronts' counters (GET /stats). */
  front: () => { http: { rateLimited: number; inFlight: number }; live?: { connected: number; floodDisconnects: number; slowDisconnects: number } | undefined };
}

export interface ServerMetrics {
  /** A front handler: each answered request counted by route, method and status, and timed. */
  observe: NodeHandler;
  exposition(): Promise<{ contentType: string; text: string }>;
  close(): void;
}

/** The label of a request no API route serves: the dashboard's page and files, or a path the API does not have. */
const DASHBOARD = '(dashboard)';
const NO_ROUTE = '(none)';
/** The status label of a request whose client went away before its answer was written in full. */
const ABORTED = 'aborted';

/**
 * Seconds: a single event is answered in milliseconds, a batch of 1,000 in tens to hundreds, an export of a year in
 * minutes.
 */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export function serverMetrics(sources: MetricsSources): ServerMetrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'ringside_http_requests_total', help: 'HTTP requests answered, by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({ name: 'ringside_http_request_duration_seconds', help: 'From a request arriving to its answer finishing, by route and method', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const stored = new Counter({ name: 'ringside_events_stored_total', help: 'Events stored and judged (posted, from integrations, and cases that closed), since the server started', registers: [registry] });
  const judgements = new Counter({ name: 'ringside_judgements_total', help: 'Judgements of stored events since the server started, by verdict: met, missed, or not counted (outside hours, a short abandon)', labelNames: ['verdict'], registers: [registry] });
  for (const verdict of VERDICTS) judgements.inc({ verdict }, 0);
  frontGauges(registry, sources);
  const stopCounting = sources.ingest.onStored((batch) => {
    const tally = { met: 0, missed: 0, not_counted: 0 };
    for (const judged of batch) for (const j of judged.judgements) tally[verdictOf(j)] += 1;
    stored.inc(batch.length);
    for (const verdict of VERDICTS) if (tally[verdict] > 0) judgements.inc({ verdict }, tally[verdict]);
  });
  const observe: NodeHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    // 'close' comes after every answer, finished or not: a client that hangs up before its answer is written (a
    // cancelled export, a dropped connection mid-upload) is counted too, as `aborted`, with the time it was held.
    res.once('close', () => {
      const method = req.method ?? 'GET';
      // The path as asked: by now a router mounted below /api/v1 has made req.url relative to itself.
      const route = (res.locals.route as string | undefined) ?? routeLabelOf(method, parseurl.original(req)?.pathname ?? '/');
      requests.inc({ route, method, status: res.writableFinished ? String(res.statusCode) : ABORTED });
      latency.observe({ route, method }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  const exposed = Registry.merge([processRegistry(), registry]);
  return {
    observe,
    exposition: async () => ({ contentType: exposed.contentType, text: await exposed.metrics() }),
    close: () => {
      stopCounting();
      registry.clear();
    },
  };
}

const VERDICTS = ['met', 'missed', 'not_counted'] as const;

let processFigures: Registry | null = null;

/**
 * Node's process figures (CPU, memory, event-loop delay, garbage collection) are the process's, whatever number of
 * servers it runs, and are collected once: prom-client enables an event-loop monitor and a GC observer for each
 * collection that nothing can stop, so one per server started would pile up (tests start hundreds in one process).
 */
function processRegistry(): Registry {
  if (processFigures === null) {
    processFigures = new Registry();
    collectDefaultMetrics({ register: processFigures });
  }
  return processFigures;
}

/** A judgement's verdict as the figures take it: met implies counted; counted absent means counted. */
function verdictOf(j: Pick<Judgement, 'met' | 'counted'>): (typeof VERDICTS)[number] {
  return j.met ? 'met' : !isCounted(j) ? 'not_counted' : 'missed';
}

/** A request the route's handler did not see (refused before it: a key, the rate limit, a body): its route by its path. */
function routeLabelOf(method: string, path: string): string {
  const apiPath = apiPathOf(path);
  if (apiPath === null) return DASHBOARD;
  const route = routePathFor(method, apiPath);
  return route === null ? NO_ROUTE : API_PREFIX + route;
}

/** What is read at each scrape: the fronts' counters, open cases, readiness, leadership, the version. */
function frontGauges(registry: Registry, sources: MetricsSources): void {
  const registers = [registry];
  // The outbox is the store's: while the database is away (ringside_ready 0) its figures are unknown (NaN), and the
  // scrape still answers with the rest rather than failing as a whole, the moment a monitoring system needs it most.
  // Its two gauges are collected together (a scrape asks every metric at once) and share one read of it.
  let reading: Promise<ReadonlyArray<{ createdAtMs: number }> | null> | null = null;
  const outbox = () =>
    (reading ??= sources
      .pendingWebhooks()
      .catch(() => null)
      .finally(() => (reading = null)));
  new Gauge({ name: 'ringside_build_info', help: 'The running version (the value is always 1)', labelNames: ['version'], registers }).set({ version: sources.version }, 1);
  new Gauge({ name: 'ringside_http_requests_in_flight', help: 'Requests received whose answer has not finished', registers, collect() { this.set(sources.front().http.inFlight); } });
  new Counter({ name: 'ringside_http_rate_limited_total', help: 'Requests refused by the rate limit (429)', registers, collect() { setCounts(this, [[{}, sources.front().http.rateLimited]]); } });
  new Gauge({ name: 'ringside_live_clients', help: 'Dashboards and VS Code windows connected to the live feed', registers, collect() { this.set(sources.front().live?.connected ?? 0); } });
  new Counter({ name: 'ringside_live_disconnects_total', help: 'Live clients disconnected by the server: flooding it with messages, or too slow to take their pushes', labelNames: ['reason'], registers, collect() {
    const live = sources.front().live;
    setCounts(this, [[{ reason: 'flood' }, live?.floodDisconnects ?? 0], [{ reason: 'slow' }, live?.slowDisconnects ?? 0]]);
  } });
  new Gauge({ name: 'ringside_open_cases', help: "Cases open now (calls ringing, visitors waiting, complaints open): the store's, the same on each of its nodes", registers, collect() { this.set(sources.openCases()); } });
  new Gauge({ name: 'ringside_ready', help: '1 while the store answers and takes writes (GET /health/ready), else 0', registers, async collect() { this.set((await sources.readiness()).ready ? 1 : 0); } });
  new Gauge({ name: 'ringside_webhook_deliveries_pending', help: "Webhook deliveries waiting in the store's outbox (all nodes'), to be sent or retried", registers, async collect() { this.set((await outbox())?.length ?? NaN); } });
  new Gauge({ name: 'ringside_webhook_oldest_pending_seconds', help: 'How long the oldest webhook delivery in the outbox has waited (0: none waits)', registers, async collect() {
    const pending = await outbox();
    const oldest = Math.min(...(pending ?? []).map((d) => d.createdAtMs));
    this.set(pending === null ? NaN : Number.isFinite(oldest) ? Math.max(0, sources.now() - oldest) / 1000 : 0);
  } });
  // A delivery given up leaves the outbox, so the pending gauges fall back to 0 exactly when a page was lost: these
  // counters are what an alert on lost pages (increase(…{result="failed"}[1h]) > 0) or a refusing receiver reads.
  new Counter({ name: 'ringside_webhook_deliveries_total', help: 'Webhook deliveries this node finished since it started, by result: delivered (2xx), or failed (given up, or its URL no longer configured)', labelNames: ['result'], registers, collect() {
    const c = sources.webhookCounts();
    setCounts(this, [[{ result: 'delivered' }, c.delivered], [{ result: 'failed' }, c.failed]]);
  } });
  new Counter({ name: 'ringside_webhook_attempts_failed_total', help: 'Webhook attempts that failed on this node since it started (non-2xx, refused, timed out), retried or not', registers, collect() { setCounts(this, [[{}, sources.webhookCounts().failedAttempts]]); } });
  new Gauge({ name: 'ringside_chain_rewound', help: "1 when this node's start, or its minute's witness write while it ran, found the store's audit chain taken back: it no longer passes through the head the node's data folder remembered (chain-witness.json; the error log says which links), else 0", registers, collect() { this.set(sources.chainRewound() ? 1 : 0); } });
  new Gauge({ name: 'ringside_leader', help: '1 on the node that evaluates alerts and delivers webhooks for the store, else 0', registers, collect() { this.set(sources.isLeading() ? 1 : 0); } });
}

/** Counts kept elsewhere, reported as they stand (prom-client's counters only add). */
function setCounts(counter: Counter<string>, counts: ReadonlyArray<[Record<string, string>, number]>): void {
  counter.reset();
  for (const [labels, value] of counts) counter.inc(labels, value);
}
