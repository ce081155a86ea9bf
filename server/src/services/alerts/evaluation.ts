// Alert evaluation as a service: after stored batches (throttled, coalesced) and on a timer, measure the policy's
// windows (through the one compliance reader), run the incident state machine, append the changes, push them live
// and queue webhooks. Evaluations and acknowledgements run one at a time: each starts from what the previous one
// wrote, so an acknowledgement is never lost to an evaluation that read the state before it.
// Only the leading node evaluates and delivers (services/leadership.ts), so each alert and each webhook happens once
// however many nodes share the store; it hears the other nodes' batches through the store's signals. A node that
// takes the lead starts from the open incidents in the store, and resumes the pending deliveries.
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { Incident, IncidentPage, IncidentUpdate, IncidentWithChanges, Standard } from '../../protocol';
import { DomainError, notFoundById } from '../../domain/errors';
import { incidentKey, observe, type ConditionMemory } from '../../domain/alerts/evaluate';
import { stepIncidents, withIds, type KeyState } from '../../domain/alerts/incidents';
import { DEFAULT_POLICY, policyWindows, type AlertPolicy, type NamedWindow } from '../../domain/alerts/policy';
import { asStandard } from '../../domain/standardVersions';
import type { IncidentFilter, Store } from '../../store/port';
import type { ComplianceReader } from '../compliance';
import type { IngestService } from '../ingest/ingest';
import type { StandardsService } from '../standards';
import type { Leadership } from '../leadership';
import { DEFAULT_INTERVAL_MS, DEFAULT_THROTTLE_MS, DEFAULT_WEBHOOK_RETRY, webhookOrigin, withUrlsHidden, type AlertsOptions } from './config';
import { inTurn, WebhookDispatcher, type WebhookCounts } from './webhooks';
import { logJobFailure, type JobFailed } from '../storageWatch';

export type { IncidentFilter };

export type IncidentListener = (update: IncidentUpdate) => void;

export interface AlertServiceDeps {
  store: Store;
  standards: StandardsService;
  compliance: ComplianceReader;
  ingest: IngestService;
  logger: Logger;
  options?: AlertsOptions;
  userAgent: string;
  /** Where every evaluation window ends, and what times the throttle, the interval, the holds and webhook retries. */
  clock: Clock;
  /** Whether this node leads (evaluates and delivers). */
  leadership: Leadership;
  /** How a failed evaluation or delivery is logged (a storage outage once for all jobs). */
  jobFailed?: JobFailed;
}

/** What an open incident remembers after a restart: its conditions as its latest change measured them. */
function memoryOf(incident: Incident): ConditionMemory {
  const burn = incident.detail.burnSeverity;
  return { band: incident.detail.band.severity, burn: burn === null ? null : burn === 'red' ? 'page' : 'ticket' };
}

export class AlertService {
  readonly policy: AlertPolicy;
  readonly webhookUrls: readonly string[];
  private readonly enabled: boolean;
  private readonly clock: Clock;
  private readonly windows: NamedWindow[];
  private readonly intervalMs: number;
  private readonly throttleMs: number;
  private readonly listeners = new Set<IncidentListener>();
  private readonly log: Logger;
  private readonly jobFailed: JobFailed;
  private states = new Map<string, KeyState>();
  private webhooks: WebhookDispatcher | null = null;
  /** Kept across taking and giving up the lead: counters only grow while the process runs. */
  private readonly deliveryCounts: WebhookCounts = { delivered: 0, failed: 0, failedAttempts: 0 };
  private interval: unknown = null;
  private trailing: unknown = null;
  private lastRunMs = -Infinity;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Taking and giving up the lead, one after the other. */
  private turning: Promise<void> = Promise.resolve();
  private readonly unsubscribe: Array<() => void> = [];

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
    this.jobFailed = deps.jobFailed ?? logJobFailure;
    this.unsubscribe.push(deps.ingest.onStored(() => this.afterBatch()));
  }

  static open(deps: AlertServiceDeps): Promise<AlertService> {
    return Promise.resolve(new AlertService(deps));
  }

  /** Starts evaluating and delivering if this node leads, and follows the lead as it moves (after the server listens). */
  async start(): Promise<void> {
    if (this.closed) return;
    const { leadership, store } = this.deps;
    this.unsubscribe.push(leadership.onChange((leading) => void this.turn(leading)));
    // Another node stored a batch (or this node may have missed some): the leader evaluates as after its own.
    this.unsubscribe.push(
      store.coordination.onSignal((signal) => {
        if (signal !== 'standards' && signal !== 'sites') this.afterBatch();
      }),
    );
    if (leadership.isLeading()) await this.turn(true);
    this.log.info({ enabled: this.enabled, intervalMs: this.intervalMs, throttleMs: this.throttleMs, webhooks: this.webhookUrls.length, webhooksSigned: this.deps.options?.webhookSecret !== undefined, leading: leadership.isLeading() }, 'alerts started');
  }

  private turn(leading: boolean): Promise<void> {
    this.turning = this.turning.then(() => (leading ? this.takeOver() : this.standDown())).catch((err: unknown) => this.jobFailed(err, this.log, 'alerts could not follow the lead'));
    return this.turning;
  }

  /** The state machine resumes from the open incidents: what was open is still open (hold timers restart). */
  private async takeOver(): Promise<void> {
    await this.serially(() => this.loadStates());
    if (this.closed || !this.deps.leadership.isLeading() || this.webhooks) return;
    const options = this.deps.options ?? {};
    this.webhooks = new WebhookDispatcher({ store: this.deps.store, urls: this.webhookUrls, retry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry }, logger: this.log, userAgent: this.deps.userAgent, clock: this.clock, jobFailed: this.jobFailed, counts: this.deliveryCounts, ...(options.webhookSecret !== undefined ? { secret: options.webhookSecret } : {}) });
    this.webhooks.start(); // drops what is queued for URLs no longer configured, resumes what the last leader left pending
    if (this.enabled && this.intervalMs > 0) {
      this.interval = this.clock.setInterval(() => void this.safeEvaluate(), this.intervalMs);
    }
    const open = [...this.states.values()].filter((s) => s.incident).length;
    this.log[this.deps.leadership.logLevel]({ open }, 'alert evaluation and webhook delivery run on this node');
  }

  /** Another node leads now: no more evaluations here; deliveries in flight stay pending for the leader. */
  private async standDown(): Promise<void> {
    if (this.interval) this.clock.clearInterval(this.interval);
    if (this.trailing) this.clock.clearTimeout(this.trailing);
    this.interval = this.trailing = null;
    const webhooks = this.webhooks;
    this.webhooks = null;
    await webhooks?.close({ abort: true });
  }

  private async loadStates(): Promise<void> {
    const { store, standards } = this.deps;
    const states = new Map<string, KeyState>();
    for (const incident of await store.reads.incidents.open()) {
      const version = standards.versions(incident.standardId).find((v) => v.version === incident.standardVersion) ?? standards.get(incident.standardId);
      if (!version) continue;
      const open = { id: incident.id, standard: asStandard(version), site: incident.site, severity: incident.severity, acknowledgedSeverity: incident.acknowledgedSeverity, detail: incident.detail };
      states.set(incidentKey(incident.standardId, incident.site), { memory: memoryOf(incident), incident: open, pending: null });
    }
    this.states = states;
  }

  /** Acknowledgements may come through any node: each evaluation takes them from the store. */
  private async syncAcknowledgements(): Promise<void> {
    for (const incident of await this.deps.store.reads.incidents.open()) {
      const state = this.states.get(incidentKey(incident.standardId, incident.site));
      if (state?.incident?.id === incident.id) state.incident = { ...state.incident, acknowledgedSeverity: incident.acknowledgedSeverity };
    }
  }

  /** Evaluates now, at the clock's time; resolves with the changes written (often none). */
  evaluateNow(): Promise<IncidentUpdate[]> {
    return this.serially(() => this.evaluate());
  }

  /** Open incidents, oldest first. */
  open(): Promise<Incident[]> {
    return this.deps.store.reads.incidents.open();
  }

  /**
   * The most recently opened `limit` incidents a filter selects, oldest first (GET /incidents), and whether they are
   * all it selects: one more is read to tell, so a list cut at its limit says so instead of passing for whole.
   */
  async list(filter: IncidentFilter): Promise<IncidentPage> {
    const read = await this.deps.store.reads.incidents.list({ ...filter, limit: filter.limit + 1 });
    const complete = read.length <= filter.limit;
    return { incidents: complete ? read : read.slice(1), complete };
  }

  /** One incident with every change it went through; DomainError not-found for an unknown id. */
  async withChanges(id: number): Promise<IncidentWithChanges> {
    const incident = await this.deps.store.reads.incidents.get(id);
    if (!incident) throw notFoundById('incident', id, '', 'incident-not-found');
    const changes = await this.deps.store.reads.incidents.changes(id);
    const deliveries = await this.deps.store.reads.incidents.deliveries(id);
    // Where a page went and what became of it, without opening the database: a delivery given up leaves no other trace
    // an operator can reach than the log. Shown to a `read` key, so URLs as their origins only (errors included: an
    // earlier release stored fetch's refusal of a URL with credentials, which quoted it whole).
    const due = new Set(inTurn(deliveries.filter((d) => d.status === 'pending')).map((d) => d.id));
    return {
      ...incident,
      changes,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        changeSeq: d.changeSeq,
        url: webhookOrigin(d.url),
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError === null ? null : withUrlsHidden(d.lastError),
        // One behind an earlier pending delivery to its URL (inTurn) has no time of its own.
        nextAttemptAt: due.has(d.id) ? new Date(d.nextAttemptAtMs).toISOString() : null,
        createdAt: new Date(d.createdAtMs).toISOString(),
        finishedAt: d.finishedAtMs === null ? null : new Date(d.finishedAtMs).toISOString(),
      })),
    };
  }

  /**
   * Acknowledges the incidents at their current severity, all or nothing (unknown ids: one FieldErrors not-found
   * naming each). An escalation beyond that severity makes an incident unacknowledged again. Listeners hear each new one.
   */
  acknowledge(ids: readonly number[], by: string | null): Promise<Incident[]> {
    if (ids.length === 0) return Promise.reject(new DomainError('invalid', 'ids', 'must name at least one incident'));
    return this.serially(async () => {
      const results = await this.deps.store.write((tx) => tx.writes.acknowledgeIncidents(ids, by));
      for (const { incident, change } of results) {
        if (!change) continue;
        const state = this.states.get(incidentKey(incident.standardId, incident.site));
        if (state?.incident?.id === incident.id) state.incident = { ...state.incident, acknowledgedSeverity: incident.acknowledgedSeverity };
        // Not `by`: a person's name, kept with the change itself; the log names the change to look it up.
        this.log.info({ incident: incident.id, severity: incident.severity, change: change.seq }, 'incident acknowledged');
        this.emit({ change, incident });
      }
      return results.map((r) => r.incident);
    });
  }

  /** Every change (acknowledgements included), with the incident after it. */
  onIncident(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What this node's webhook deliveries came to since it started (/metrics). */
  webhookCounts(): Readonly<WebhookCounts> {
    return { ...this.deliveryCounts };
  }

  /** Resolves when no webhook attempt is in flight and none is due at the clock's time. */
  webhooksIdle(): Promise<void> {
    return this.webhooks?.idle() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    if (this.interval) this.clock.clearInterval(this.interval);
    if (this.trailing) this.clock.clearTimeout(this.trailing);
    await this.turning;
    await this.running;
    await this.webhooks?.close();
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.running.then(fn);
    this.running = run.catch(() => undefined);
    return run;
  }

  private async evaluate(): Promise<IncidentUpdate[]> {
    if (!this.enabled || this.closed || !this.deps.leadership.isLeading()) return [];
    const at = this.clock.now();
    this.lastRunMs = at;
    await this.syncAcknowledgements();
    const scoped = await this.deps.compliance.windowCounts(this.windows.map((w) => ({ fromMs: at - w.durationMs, toMs: at })), at);
    const standards = this.deps.standards.current();
    const siteNames = new Map((await this.deps.store.reads.sites.list()).map((s) => [s.id, s.name]));
    const openSites = new Map<string, string[]>();
    const memory = new Map<string, ConditionMemory>();
    for (const [key, state] of this.states) {
      if (!state.incident) continue;
      // Hysteresis and holds for thin data keep an open incident from flapping; they never open one: without an open
      // incident, what opens one is the condition as measured now.
      memory.set(key, state.memory);
      openSites.set(state.incident.standard.id, [...(openSites.get(state.incident.standard.id) ?? []), state.incident.site]);
    }
    const observations = observe({ standards, policy: this.policy, windows: this.windows, scoped, memory, openSites });
    const inForce = new Map<string, Standard>(standards.map((s) => [s.id, s]));
    const ctx = { atMs: at, holds: this.policy, siteName: (site: string) => siteNames.get(site) ?? site, versionsOf: (id: string, versions: readonly number[]) => this.versionsOf(id, versions) };
    const { states, drafts } = stepIncidents(this.states, observations, inForce, ctx);
    if (drafts.length === 0) {
      this.states = states;
      return [];
    }
    const updates = await this.deps.store.write((tx) => tx.writes.incidentChanges(drafts, this.webhookUrls));
    this.states = withIds(states, updates.filter((u) => u.change.kind === 'opened').map((u) => ({ key: incidentKey(u.incident.standardId, u.incident.site), id: u.incident.id })));
    for (const update of updates) {
      const { change, incident } = update;
      this.log.info({ incident: incident.id, change: change.seq, kind: change.kind, severity: change.severity }, change.summary);
      this.emit(update);
    }
    this.webhooks?.kick();
    return updates;
  }

  /** The versions of a standard by number, oldest first (as the windows name the versions that judged them). */
  private versionsOf(standardId: string, versions: readonly number[]): Standard[] {
    return this.deps.standards.versions(standardId).filter((v) => versions.includes(v.version)).map(asStandard);
  }

  private async safeEvaluate(): Promise<void> {
    try {
      await this.evaluateNow();
    } catch (err) {
      this.jobFailed(err, this.log, 'alert evaluation failed');
    }
  }

  /**
   * After a stored batch: evaluate at once if the last evaluation is at least throttleMs old; otherwise once when it
   * is, however many batches arrive meanwhile.
   */
  private afterBatch(): void {
    if (!this.enabled || this.closed || this.trailing || !this.deps.leadership.isLeading()) return;
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

  private emit(update: IncidentUpdate): void {
    for (const l of this.listeners) {
      try {
        l(update);
      } catch (err) {
        this.log.error({ err }, 'incident listener failed');
      }
    }
  }
}
