// Alert evaluation as a service: after stored batches (throttled, coalesced) and on a timer, measure the policy's
// windows (through the one compliance reader), run the state machine, append records, push them live and queue
// webhooks. Evaluations run one at a time: each starts from the records the previous one appended.
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { Alert } from '../../protocol';
import { evaluateConditions } from '../../domain/alerts/evaluate';
import { applyRecords, step, type ActiveAlert } from '../../domain/alerts/machine';
import { DEFAULT_POLICY, policyWindows, type AlertPolicy, type NamedWindow } from '../../domain/alerts/policy';
import type { Store } from '../../store/port';
import type { ComplianceReader } from '../compliance';
import type { IngestService } from '../ingest/ingest';
import type { StandardsService } from '../standards';
import { DEFAULT_INTERVAL_MS, DEFAULT_THROTTLE_MS, DEFAULT_WEBHOOK_RETRY, type AlertsOptions } from './config';
import { WebhookDispatcher } from './webhooks';

export type AlertListener = (alert: Alert) => void;

export interface AlertServiceDeps {
  store: Store;
  standards: StandardsService;
  compliance: ComplianceReader;
  ingest: IngestService;
  logger: Logger;
  options?: AlertsOptions;
  userAgent: string;
  /** Where every evaluation window ends, and what times the throttle, the interval and webhook retries. */
  clock: Clock;
}

const activeOf = (a: Alert): ActiveAlert => ({ id: a.id, key: a.key, kind: a.kind, severity: a.severity, standardId: a.standardId, standardVersion: a.standardVersion, site: a.site, target: a.target, startedAtMs: Date.parse(a.startedAt) });

export class AlertService {
  readonly policy: AlertPolicy;
  readonly webhookUrls: readonly string[];
  private readonly enabled: boolean;
  private readonly clock: Clock;
  private readonly windows: NamedWindow[];
  private readonly intervalMs: number;
  private readonly throttleMs: number;
  private readonly listeners = new Set<AlertListener>();
  private readonly log: Logger;
  private firing = new Map<string, ActiveAlert>();
  private webhooks: WebhookDispatcher | null = null;
  private interval: unknown = null;
  private trailing: unknown = null;
  private lastRunMs = -Infinity;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly unsubscribe: () => void;

  private constructor(private readonly deps: AlertServiceDeps) {
    const options = deps.options ?? {};
    this.enabled = options.enabled ?? true;
    this.clock = deps.clock;
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.windows = policyWindows(this.policy);
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.throttleMs = options.throttleMs ?? DEFAULT_THROTTLE_MS;
    this.webhookUrls = [...(options.webhooks ?? [])];
    this.log = deps.logger.child({ component: 'alerts' });
    this.unsubscribe = deps.ingest.onStored(() => this.afterBatch());
  }

  /** The state machine resumes from the history: what was firing at shutdown is still firing. */
  static async open(deps: AlertServiceDeps): Promise<AlertService> {
    const service = new AlertService(deps);
    service.firing = new Map((await deps.store.reads.alerts.active()).map((a) => [a.key, activeOf(a)]));
    return service;
  }

  /** Starts the timer and webhook delivery (after the server listens). */
  start(): void {
    if (this.closed) return;
    const options = this.deps.options ?? {};
    this.webhooks = new WebhookDispatcher({ store: this.deps.store, urls: this.webhookUrls, retry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry }, logger: this.log, userAgent: this.deps.userAgent, clock: this.clock });
    this.webhooks.start(); // drops what is queued for URLs no longer configured, resumes what the last run left pending
    if (this.enabled && this.intervalMs > 0) {
      this.interval = this.clock.setInterval(() => void this.safeEvaluate(), this.intervalMs);
    }
    this.log.info({ enabled: this.enabled, intervalMs: this.intervalMs, throttleMs: this.throttleMs, webhooks: this.webhookUrls.length, active: this.firing.size }, 'alerts started');
  }

  /** Evaluates now, at the clock's time; resolves with the records written (often none). */
  evaluateNow(): Promise<Alert[]> {
    const run = this.running.then(() => this.evaluate());
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Firing alerts not yet recovered. */
  active(): Promise<Alert[]> {
    return this.deps.store.reads.alerts.active();
  }

  /** First acknowledgement wins; listeners hear the alert again when this one was the first. */
  async acknowledge(id: number, by: string | null): Promise<Alert | undefined> {
    const before = await this.deps.store.reads.alerts.get(id);
    const after = await this.deps.store.write((tx) => tx.writes.acknowledge(id, by));
    if (after && before && before.acknowledgedAt === null) {
      this.log.info({ alert: id, by }, 'alert acknowledged');
      this.emit(after);
    }
    return after;
  }

  /** Every new record, and a record again when it is acknowledged. */
  onAlert(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no webhook attempt is in flight and none is due at the clock's time. */
  webhooksIdle(): Promise<void> {
    return this.webhooks?.idle() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.interval) this.clock.clearInterval(this.interval);
    if (this.trailing) this.clock.clearTimeout(this.trailing);
    await this.running;
    await this.webhooks?.close();
  }

  private async evaluate(): Promise<Alert[]> {
    if (!this.enabled || this.closed) return [];
    const at = this.clock.now();
    this.lastRunMs = at;
    const scoped = await this.deps.compliance.windowCounts(this.windows.map((w) => ({ fromMs: at - w.durationMs, toMs: at })));
    const conditions = evaluateConditions({ standards: this.deps.standards.current(), policy: this.policy, windows: this.windows, scoped, active: this.firing });
    const drafts = step(this.firing, conditions, at);
    if (drafts.length === 0) return [];
    const records = await this.deps.store.write((tx) => tx.writes.alerts(drafts, this.webhookUrls));
    this.firing = applyRecords(this.firing, drafts.map((d, i) => ({ ...d, id: records[i]!.id })));
    for (const r of records) {
      this.log.info({ alert: r.id, alertKey: r.key, severity: r.severity, state: r.state, previous: r.previousId }, r.message);
      this.emit(r);
    }
    this.webhooks?.kick();
    return records;
  }

  private async safeEvaluate(): Promise<void> {
    try {
      await this.evaluateNow();
    } catch (err) {
      this.log.error({ err }, 'alert evaluation failed');
    }
  }

  /**
   * After a stored batch: evaluate at once if the last evaluation is at least throttleMs old; otherwise once when it
   * is, however many batches arrive meanwhile.
   */
  private afterBatch(): void {
    if (!this.enabled || this.closed || this.trailing) return;
    const wait = this.lastRunMs + this.throttleMs - this.clock.now();
    if (wait <= 0) {
      this.lastRunMs = this.clock.now(); // a second batch in the same turn waits for the throttle
      void this.safeEvaluate();
      return;
    }
    this.trailing = this.clock.setTimeout(() => {
      this.trailing = null;
      void this.safeEvaluate();
    }, wait);
  }

  private emit(alert: Alert): void {
    for (const l of this.listeners) {
      try {
        l(alert);
      } catch (err) {
        this.log.error({ err }, 'alert listener failed');
      }
    }
  }
}
