// The metrics' process figures (http/metrics.ts): Node's event-loop monitor and garbage-collection observer, which
// prom-client enables and nothing stops, are made once per process, not once per server started in it.
import { createRequire } from 'node:module';
import { afterEach, expect, it, vi } from 'vitest';
import { serverMetrics, type MetricsSources } from '../../server/src/http/metrics';

const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as typeof import('node:perf_hooks');

const sources: MetricsSources = {
  version: 'test',
  ingest: { onStored: () => () => undefined },
  openCases: () => 0,
  readiness: async () => ({ ready: true }),
  isLeading: () => true,
  pendingWebhooks: async () => [],
  webhookCounts: () => ({ delivered: 0, failed: 0, failedAttempts: 0 }),
  chainRewound: () => false,
  now: () => 0,
  front: () => ({ http: { rateLimited: 0, inFlight: 0 } }),
};

afterEach(() => vi.restoreAllMocks());

it("enables Node's event-loop monitor and GC observer once per process, however many servers start and stop", async () => {
  const monitors = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
  const observers = vi.spyOn(perfHooks.PerformanceObserver.prototype, 'observe');
  for (let i = 0; i < 3; i++) {
    const metrics = serverMetrics(sources);
    // Each still gives the process figures.
    expect((await metrics.exposition()).text).toContain('nodejs_eventloop_lag_seconds');
    metrics.close();
  }
  expect(monitors.mock.calls.length).toBeLessThanOrEqual(1);
  expect(observers.mock.calls.length).toBeLessThanOrEqual(1);
});
