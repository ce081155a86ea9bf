// Webhook delivery from the SQLite outbox (alert_deliveries): POST, timeout, retry with exponential
// backoff and jitter, every attempt logged and stored. Runs beside ingest, never inside it.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import type { AlertWebhookBody } from '../protocol';
import type { AlertStore, Delivery } from '../store/alertStore';
import { redactUrl, type WebhookRetryOptions } from './config';

export interface WebhookDispatcher {
  /** Something was queued: look for due deliveries soon. */
  kick(): void;
  /** Resolves when no attempt is in flight and none is due at the clock's time (retries may wait for later). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface WebhookDeps {
  alerts: AlertStore;
  urls: readonly string[];
  retry: WebhookRetryOptions;
  logger: Logger;
  userAgent: string;
  clock?: Clock;
  random?: () => number;
}

/** Delay before attempt n + 1 after n failed attempts: base × 2^(n−1), capped, ± jitter. */
export function backoffDelay(failedAttempts: number, retry: WebhookRetryOptions, random: () => number): number {
  const nominal = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.max(0, Math.round(nominal * (1 - retry.jitter + 2 * retry.jitter * random())));
}

export function createWebhookDispatcher(deps: WebhookDeps): WebhookDispatcher {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const random = deps.random ?? Math.random;
  const inFlight = new Map<number, Promise<void>>();
  const closing = new AbortController();
  let timer: unknown = null;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  // Deliveries queued for a URL that is no longer configured are not sent (it may have been removed on purpose).
  for (const d of deps.alerts.deliveries.pending()) {
    if (!deps.urls.includes(d.url)) {
      deps.alerts.deliveries.finish(d.id, 'failed', 'webhook URL no longer configured', now());
      deps.logger.warn({ delivery: d.id, alert: d.alertId, url: redactUrl(d.url) }, 'webhook delivery dropped: URL no longer configured');
    }
  }

  function pump(): void {
    if (closed) return;
    if (timer) clock.clearTimeout(timer);
    timer = null;
    const pending = deps.alerts.deliveries.pending().filter((d) => !inFlight.has(d.id));
    const t = now();
    for (const d of pending.filter((p) => p.nextAttemptAtMs <= t)) {
      const p = attempt(d).finally(() => {
        inFlight.delete(d.id);
        pump();
      });
      inFlight.set(d.id, p);
    }
    const later = pending.filter((p) => p.nextAttemptAtMs > t);
    if (later.length > 0) {
      const wait = Math.min(...later.map((p) => p.nextAttemptAtMs)) - t;
      timer = clock.setTimeout(pump, Math.max(1, wait));
    }
    if (inFlight.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function attempt(d: Delivery): Promise<void> {
    const alert = deps.alerts.get(d.alertId);
    const n = d.attempts + 1;
    const log = { delivery: d.id, alert: d.alertId, url: redactUrl(d.url), attempt: n };
    if (!alert) {
      deps.alerts.deliveries.finish(d.id, 'failed', 'alert not found', now());
      return;
    }
    const body: AlertWebhookBody = { type: 'ringside.alert', alert };
    const started = now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': deps.userAgent,
          'x-ringside-delivery': String(d.id),
          'x-ringside-attempt': String(n),
        },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(deps.retry.timeoutMs), closing.signal]),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      if (closed) return; // shutting down: the delivery stays pending with its attempts, resumed on next start
      const err = e as Error;
      error = err.name === 'TimeoutError' ? `timed out after ${deps.retry.timeoutMs} ms` : `${err.message}${(err.cause as Error | undefined)?.message ? `: ${(err.cause as Error).message}` : ''}`;
    }
    if (closed) return;
    const at = now();
    const attemptRecord = { deliveryId: d.id, attempt: n, atMs: started, durationMs: at - started, statusCode, error };
    if (error === null) {
      deps.alerts.deliveries.recordAttempt(attemptRecord, { status: 'delivered', nextAttemptAtMs: at, lastError: null, finishedAtMs: at });
      deps.logger.info({ ...log, status: statusCode, ms: at - started }, 'webhook delivered');
    } else if (n >= deps.retry.maxAttempts) {
      deps.alerts.deliveries.recordAttempt(attemptRecord, { status: 'failed', nextAttemptAtMs: at, lastError: error, finishedAtMs: at });
      deps.logger.error({ ...log, status: statusCode, error, ms: at - started }, 'webhook delivery failed; giving up');
    } else {
      const delay = backoffDelay(n, deps.retry, random);
      deps.alerts.deliveries.recordAttempt(attemptRecord, { status: 'pending', nextAttemptAtMs: at + delay, lastError: error, finishedAtMs: null });
      deps.logger.warn({ ...log, status: statusCode, error, ms: at - started, retryInMs: delay }, 'webhook attempt failed; will retry');
    }
  }

  return {
    kick() {
      if (closed || deps.urls.length === 0) return;
      setImmediate(pump);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        if (!closed) setImmediate(pump);
        else resolve();
      }),
    async close() {
      closed = true;
      if (timer) clock.clearTimeout(timer);
      closing.abort();
      await Promise.allSettled([...inFlight.values()]);
      for (const w of idleWaiters) w();
      idleWaiters = [];
    },
  };
}
