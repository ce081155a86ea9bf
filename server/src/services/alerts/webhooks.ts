// Webhook delivery from the store's outbox: POST, timeout, retry with exponential backoff and jitter, every attempt
// logged and stored. Runs beside ingest, never inside it.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock';
import type { IncidentWebhookBody } from '../../protocol';
import type { Delivery, DeliveryAttempt, Store } from '../../store/port';
import { redactUrl, retryAfterMs, webhookSignature, webhookTarget, withUrlsHidden, type WebhookRetryOptions } from './config';
import { logJobFailure, type JobFailed } from '../storageWatch';

/** What this node's deliveries came to since it started: for /metrics, where a give-up must not look like health. */
export interface WebhookCounts {
  /** Deliveries answered 2xx. */
  delivered: number;
  /** Deliveries given up: attempts exhausted, or their URL no longer configured. */
  failed: number;
  /** Attempts that failed (a non-2xx answer, a refused connection, a timeout), retried or not. */
  failedAttempts: number;
}

export interface WebhookDeps {
  store: Store;
  urls: readonly string[];
  retry: WebhookRetryOptions;
  logger: Logger;
  userAgent: string;
  /** Signs every attempt (`x-ringside-signature`); undefined: unsigned. */
  secret?: string;
  clock?: Clock;
  random?: () => number;
  /** How a failed pump is logged (a storage outage once for all jobs). */
  jobFailed?: JobFailed;
  /** Counted into as deliveries finish and attempts fail. */
  counts?: WebhookCounts;
}

/**
 * The pending deliveries whose turn it is: one incident's changes reach a URL in their order, so a later change waits
 * while an earlier one to the same URL is pending (in flight, or retrying), and goes at once when that one is delivered
 * or given up. Sent on their own schedules, a receiver back from an outage was handed "recovered" before the "opened"
 * still waiting out its longer backoff, and a pager keyed on the incident opened a page for an incident already over.
 */
export function inTurn(pending: readonly Delivery[]): Delivery[] {
  const key = (d: Delivery) => `${d.incidentId} ${d.url}`;
  const earliest = new Map<string, number>();
  for (const d of pending) earliest.set(key(d), Math.min(earliest.get(key(d)) ?? Infinity, d.changeSeq));
  return pending.filter((d) => earliest.get(key(d)) === d.changeSeq);
}

/** Delay before attempt n + 1 after n failed attempts: base × 2^(n−1), capped, ± jitter. */
export function backoffDelay(failedAttempts: number, retry: WebhookRetryOptions, random: () => number): number {
  const nominal = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.max(0, Math.round(nominal * (1 - retry.jitter + 2 * retry.jitter * random())));
}

export class WebhookDispatcher {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly closing = new AbortController();
  private timer: unknown = null;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private pumping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: WebhookDeps) {
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
  }

  /** Drops deliveries queued for a URL no longer configured (it may have been removed on purpose), then resumes the rest. */
  start(): void {
    this.pumping = this.pumping.then(async () => {
      for (const d of await this.deps.store.reads.incidents.pendingDeliveries()) {
        if (this.deps.urls.includes(d.url)) continue;
        await this.deps.store.write((tx) => tx.writes.finishDelivery(d.id, 'failed', 'webhook URL no longer configured'));
        this.count('failed');
        this.deps.logger.warn({ delivery: d.id, change: d.changeSeq, url: redactUrl(d.url) }, 'webhook delivery dropped: URL no longer configured');
      }
    });
    this.kick();
  }

  /** Something was queued: look for due deliveries soon. */
  kick(): void {
    if (this.closed || this.deps.urls.length === 0) return;
    setImmediate(() => this.schedulePump());
  }

  /** Resolves when no attempt is in flight and none is due at the clock's time (retries may wait for later). */
  idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.closed) setImmediate(() => this.schedulePump());
      else resolve();
    });
  }

  /**
   * Starts no attempt after this. By default an attempt in flight finishes (within its timeout) and its answer is
   * recorded: a receiver that took the delivery as the server stopped is not sent it again by the next start.
   * `abort` (a node standing down: the new leader sends what is pending) cuts attempts off; they stay pending.
   */
  async close(options: { abort?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (options.abort) this.closing.abort();
    await this.pumping.catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()]);
    for (const w of this.idleWaiters) w();
    this.idleWaiters = [];
  }

  /** One pump at a time: each reads the outbox after the previous one's attempts were recorded. */
  private schedulePump(): void {
    this.pumping = this.pumping.then(() => this.pump()).catch((err: unknown) => (this.deps.jobFailed ?? logJobFailure)(err, this.deps.logger, 'webhook delivery failed'));
  }

  private async pump(): Promise<void> {
    if (this.closed) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const outbox = await this.deps.store.reads.incidents.pendingDeliveries();
    if (this.closed) return; // closed during the read: close() promised no new attempt (and cleared the timer)
    const pending = inTurn(outbox).filter((d) => !this.inFlight.has(d.id));
    const t = this.clock.now();
    for (const d of pending.filter((p) => p.nextAttemptAtMs <= t)) {
      // A failed store write (an outage) is logged as the pump's failures are, not left as an unhandled rejection.
      const p = this.attempt(d).catch((err: unknown) => (this.deps.jobFailed ?? logJobFailure)(err, this.deps.logger, 'webhook delivery failed')).finally(() => {
        this.inFlight.delete(d.id);
        this.schedulePump();
      });
      this.inFlight.set(d.id, p);
    }
    const later = pending.filter((p) => p.nextAttemptAtMs > t);
    if (later.length > 0) {
      const wait = Math.min(...later.map((p) => p.nextAttemptAtMs)) - t;
      this.timer = this.clock.setTimeout(() => this.schedulePump(), Math.max(1, wait));
    }
    if (this.inFlight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const [update] = await this.deps.store.reads.incidents.after(d.changeSeq - 1, 1);
    if (!update || update.change.seq !== d.changeSeq) {
      await this.deps.store.write((tx) => tx.writes.finishDelivery(d.id, 'failed', 'incident change not found'));
      this.count('failed');
      return;
    }
    const n = d.attempts + 1;
    const started = this.clock.now();
    const { statusCode, error, retryAfter } = await this.post(d, n, { type: 'ringside.incident', ...update });
    if (this.closing.signal.aborted) return; // cut off: the delivery stays pending with its attempts, resumed by the leader
    await this.record(d, n, { deliveryId: d.id, attempt: n, atMs: started, durationMs: this.clock.now() - started, statusCode, error }, retryAfter);
  }

  private async post(d: Delivery, n: number, body: IncidentWebhookBody): Promise<{ statusCode: number | null; error: string | null; retryAfter: number | null }> {
    try {
      const target = webhookTarget(d.url);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': this.deps.userAgent, 'x-ringside-delivery': String(d.id), 'x-ringside-attempt': String(n) };
      if (target.authorization !== null) headers.authorization = target.authorization;
      const text = JSON.stringify(body);
      if (this.deps.secret !== undefined) headers['x-ringside-signature'] = webhookSignature(this.deps.secret, Math.floor(this.clock.now() / 1000), text);
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body: text,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.deps.retry.timeoutMs), this.closing.signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      const failed = res.status < 200 || res.status > 299;
      return { statusCode: res.status, error: failed ? `HTTP ${res.status}` : null, retryAfter: failed ? retryAfterMs(res.headers.get('retry-after'), this.clock.now()) : null };
    } catch (e) {
      const err = e as Error;
      const cause = (err.cause as Error | undefined)?.message;
      // fetch's messages may quote the URL (its credentials, a token in its path): stored and shown without them.
      return { statusCode: null, error: err.name === 'TimeoutError' ? `timed out after ${this.deps.retry.timeoutMs} ms` : withUrlsHidden(`${err.message}${cause ? `: ${cause}` : ''}`), retryAfter: null };
    }
  }

  /** Counts into `counts` once what it counts is stored: an attempt whose write failed is made again, and counted then. */
  private count(...fields: Array<keyof WebhookCounts>): void {
    for (const field of fields) if (this.deps.counts) this.deps.counts[field] += 1;
  }

  /**
   * Stores the attempt and what follows: delivered, given up, or a retry after a backoff, or after the receiver's
   * `Retry-After` when that is later (capped at `maxDelayMs`): retrying a rate-limited receiver sooner than it asked
   * only spends attempts on more 429s.
   */
  private async record(d: Delivery, n: number, attempt: DeliveryAttempt, retryAfter: number | null = null): Promise<void> {
    const at = attempt.atMs + attempt.durationMs;
    const log = { delivery: d.id, change: d.changeSeq, url: redactUrl(d.url), attempt: n, status: attempt.statusCode, ms: attempt.durationMs };
    const { error } = attempt;
    if (error === null) {
      await this.deps.store.write((tx) => tx.writes.deliveryAttempt(attempt, { status: 'delivered', nextAttemptAtMs: at, lastError: null, finishedAtMs: at }));
      this.count('delivered');
      this.deps.logger.info(log, 'webhook delivered');
    } else if (n >= this.deps.retry.maxAttempts) {
      await this.deps.store.write((tx) => tx.writes.deliveryAttempt(attempt, { status: 'failed', nextAttemptAtMs: at, lastError: error, finishedAtMs: at }));
      this.count('failedAttempts', 'failed');
      this.deps.logger.error({ ...log, error }, 'webhook delivery failed; giving up');
    } else {
      const delay = Math.max(backoffDelay(n, this.deps.retry, this.random), Math.min(retryAfter ?? 0, this.deps.retry.maxDelayMs));
      await this.deps.store.write((tx) => tx.writes.deliveryAttempt(attempt, { status: 'pending', nextAttemptAtMs: at + delay, lastError: error, finishedAtMs: null }));
      this.count('failedAttempts');
      this.deps.logger.warn({ ...log, error, retryInMs: delay }, 'webhook attempt failed; will retry');
    }
  }
}
