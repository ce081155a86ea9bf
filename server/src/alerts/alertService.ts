// Alert evaluation as a service: after stored batches (throttled, coalesced) and on a timer, measure
// the policy's windows, run the state machine, append records, push them live and queue webhooks.
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Alert } from '../protocol';
import { evaluateConditions } from '../domain/alerts/evaluate';
import { applyRecords, step, type ActiveAlert } from '../domain/alerts/machine';
import { DEFAULT_POLICY, policyWindows, type AlertPolicy } from '../domain/alerts/policy';
import type { IngestService } from '../ingest/ingestService';
import type { Store } from '../store/store';
import { DEFAULT_INTERVAL_MS, DEFAULT_THROTTLE_MS, DEFAULT_WEBHOOK_RETRY, type AlertsOptions } from './config';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks';

export type AlertListener = (alert: Alert) => void;

export interface AlertService {
  /** Start the timer and webhook delivery (after the server listens). */
  start(): void;
  /** Evaluate now, at the evaluation clock's time; returns the records written (often none). */
  evaluateNow(): Alert[];
  /** Firing alerts not yet recovered. */
  active(): Alert[];
  acknowledge(id: number, by: string | null): Alert | undefined;
  /** Every new record, and a record again when it is acknowledged. */
  onAlert(listener: AlertListener): () => void;
  /** Resolves when no webhook attempt is in flight and none is due at the clock's time. */
  webhooksIdle(): Promise<void>;
  readonly policy: AlertPolicy;
  readonly webhookUrls: readonly string[];
  close(): Promise<void>;
}

export interface AlertServiceDeps {
  store: Store;
  ingest: IngestService;
  logger: Logger;
  options?: AlertsOptions;
  userAgent: string;
  /** Where every evaluation window ends, and what times the throttle, the interval and webhook retries. */
  clock: Clock;
}

export function createAlertService(deps: AlertServiceDeps): AlertService {
  const options = deps.options ?? {};
  const enabled = options.enabled ?? true;
  const clock = deps.clock;
  const policy: AlertPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const windows = policyWindows(policy);
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const throttleMs = options.throttleMs ?? DEFAULT_THROTTLE_MS;
  const urls = [...(options.webhooks ?? [])];
  const listeners = new Set<AlertListener>();
  const log = deps.logger.child({ component: 'alerts' });

  // The state machine resumes from the history: what was firing at shutdown is still firing.
  let active = new Map<string, ActiveAlert>(
    deps.store.alerts.active().map((a) => [a.key, {
      id: a.id,
      key: a.key,
      kind: a.kind,
      severity: a.severity,
      standardId: a.standardId,
      standardVersion: a.standardVersion,
      site: a.site,
      target: a.target,
      startedAtMs: Date.parse(a.startedAt),
    }]),
  );
  let webhooks: WebhookDispatcher | null = null;
  let interval: unknown = null;
  let trailing: unknown = null;
  let lastRunMs = -Infinity;
  let closed = false;

  function emit(alert: Alert): void {
    for (const l of listeners) {
      try {
        l(alert);
      } catch (err) {
        log.error({ err }, 'alert listener failed');
      }
    }
  }

  function evaluateNow(): Alert[] {
    if (!enabled || closed) return [];
    const at = clock.now();
    lastRunMs = at;
    const scoped = deps.store.alerts.compliance.counts(windows.map((w) => ({ fromMs: at - w.durationMs, toMs: at })));
    const conditions = evaluateConditions({ standards: deps.store.standards.current(), policy, windows, scoped, active });
    const drafts = step(active, conditions, at);
    if (drafts.length === 0) return [];
    const records = deps.store.alerts.append(drafts, urls, at);
    active = applyRecords(active, drafts.map((d, i) => ({ ...d, id: records[i]!.id })));
    for (const r of records) {
      log.info({ alert: r.id, alertKey: r.key, severity: r.severity, state: r.state, previous: r.previousId }, r.message);
      emit(r);
    }
    webhooks?.kick();
    return records;
  }

  function safeEvaluate(): void {
    try {
      evaluateNow();
    } catch (err) {
      log.error({ err }, 'alert evaluation failed');
    }
  }

  /**
   * After a stored batch: evaluate at once if the last evaluation is at least throttleMs old (same tick
   * as the commit, like the live push); otherwise once when it is, however many batches arrive meanwhile.
   */
  function afterBatch(): void {
    if (!enabled || closed || trailing) return;
    const wait = lastRunMs + throttleMs - clock.now();
    if (wait <= 0) return safeEvaluate();
    trailing = clock.setTimeout(() => {
      trailing = null;
      safeEvaluate();
    }, wait);
  }
  const unsubscribe = deps.ingest.onStored(afterBatch);

  return {
    policy,
    webhookUrls: urls,
    start() {
      if (closed) return;
      webhooks = createWebhookDispatcher({ alerts: deps.store.alerts, urls, retry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry }, logger: log, userAgent: deps.userAgent, clock });
      webhooks.kick(); // resume deliveries left pending by the last run
      if (enabled && intervalMs > 0) {
        interval = clock.setInterval(safeEvaluate, intervalMs);
      }
      log.info({ enabled, intervalMs, throttleMs, webhooks: urls.length, active: active.size }, 'alerts started');
    },
    evaluateNow,
    active: () => deps.store.alerts.active(),
    acknowledge(id, by) {
      const before = deps.store.alerts.get(id);
      const after = deps.store.alerts.acknowledge(id, by, clock.now());
      if (after && before && before.acknowledgedAt === null) {
        log.info({ alert: id, by }, 'alert acknowledged');
        emit(after);
      }
      return after;
    },
    onAlert(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    webhooksIdle: () => webhooks?.idle() ?? Promise.resolve(),
    async close() {
      closed = true;
      unsubscribe();
      if (interval) clock.clearInterval(interval);
      if (trailing) clock.clearTimeout(trailing);
      await webhooks?.close();
    },
  };
}
