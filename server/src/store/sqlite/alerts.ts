// Alerts as stored: the append-only history (a record per state change), acknowledgements beside it (first one
// wins), and the webhook outbox (queued in the transaction that appends the alert, so a restart resumes deliveries).
import type { Alert, AlertKind, AlertSeverity, AlertState, AlertWindow } from '../../protocol';
import type { AlertDraft } from '../../domain/alerts/machine';
import type { AlertsReads, Delivery, DeliveryAttempt, DeliveryStatus, DeliveryUpdate } from '../port';
import type { Statements } from './database';
import { storableText } from './text';

interface AlertRow {
  id: number;
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  standard_id: string;
  standard_version: number;
  site: string | null;
  target: number;
  previous_id: number | null;
  at_ms: number;
  started_at_ms: number;
  windows: string;
  message: string;
  successor_at_ms: number | null;
  ack_at_ms: number | null;
  ack_by: string | null;
}

interface DeliveryRow {
  id: number;
  alert_id: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at_ms: number;
  last_error: string | null;
  created_at_ms: number;
  finished_at_ms: number | null;
}

const SELECT = `
  SELECT a.*, n.at_ms AS successor_at_ms, k.at_ms AS ack_at_ms, k.by AS ack_by
  FROM alerts a
  LEFT JOIN alerts n ON n.previous_id = a.id
  LEFT JOIN alert_acks k ON k.alert_id = a.id`;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    severity: r.severity,
    state: r.state,
    standardId: r.standard_id,
    standardVersion: r.standard_version,
    site: r.site,
    target: r.target,
    previousId: r.previous_id,
    at: iso(r.at_ms)!,
    startedAt: iso(r.started_at_ms)!,
    endedAt: r.state === 'recovered' ? iso(r.at_ms) : iso(r.successor_at_ms),
    windows: JSON.parse(r.windows) as AlertWindow[],
    message: r.message,
    acknowledgedAt: iso(r.ack_at_ms),
    acknowledgedBy: r.ack_by,
  };
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    alertId: r.alert_id,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAtMs: r.next_attempt_at_ms,
    lastError: r.last_error,
    createdAtMs: r.created_at_ms,
    finishedAtMs: r.finished_at_ms,
  };
}

const BY_ID = `${SELECT} WHERE a.id = ?`;

/** One alert record, read now. */
export function alertById(s: Statements, id: number): Alert | undefined {
  const row = s.get(BY_ID).get(id) as AlertRow | undefined;
  return row ? toAlert(row) : undefined;
}

export function alertsReads(s: Statements): AlertsReads {
  const get = (id: number) => alertById(s, id);
  return {
    get: async (id) => get(id),
    async list(filter) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit };
      if (filter.state === 'active') where.push(`a.state = 'firing' AND n.id IS NULL`);
      else if (filter.state) (where.push('a.state = @state'), (params.state = filter.state));
      if (filter.fromMs !== undefined) (where.push('a.at_ms >= @fromMs'), (params.fromMs = filter.fromMs));
      if (filter.toMs !== undefined) (where.push('a.at_ms < @toMs'), (params.toMs = filter.toMs));
      if (filter.standardId !== undefined) (where.push('a.standard_id = @standardId'), (params.standardId = filter.standardId));
      if (filter.site !== undefined) (where.push('a.site = @site'), (params.site = filter.site));
      if (filter.kind !== undefined) (where.push('a.kind = @kind'), (params.kind = filter.kind));
      // At most 2^6 filter shapes, each prepared once.
      const sql = `SELECT * FROM (${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT @limit) ORDER BY id`;
      return (s.get(sql).all(params) as AlertRow[]).map(toAlert);
    },
    active: async () => (s.get(`${SELECT} WHERE a.state = 'firing' AND n.id IS NULL ORDER BY a.id`).all() as AlertRow[]).map(toAlert),
    after: async (afterId, limit) =>
      (s.get('SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<{ id: number }>).map(({ id }) => get(id)).filter((a): a is Alert => a !== undefined),
    headId: async () => (s.get('SELECT MAX(id) AS id FROM alerts').get() as { id: number | null }).id ?? 0,
    pendingDeliveries: async () => (s.get(`SELECT * FROM alert_deliveries WHERE status = 'pending' ORDER BY next_attempt_at_ms, id`).all() as DeliveryRow[]).map(toDelivery),
    deliveries: async (alertId) => (s.get('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY id').all(alertId) as DeliveryRow[]).map(toDelivery),
    attempts: async (deliveryId) =>
      (s.get('SELECT * FROM alert_delivery_attempts WHERE delivery_id = ? ORDER BY attempt').all(deliveryId) as Array<{ delivery_id: number; attempt: number; at_ms: number; duration_ms: number; status_code: number | null; error: string | null }>).map(
        (r): DeliveryAttempt => ({ deliveryId: r.delivery_id, attempt: r.attempt, atMs: r.at_ms, durationMs: r.duration_ms, statusCode: r.status_code, error: r.error }),
      ),
  };
}

/** Appends the records of one evaluation step and queues one delivery per webhook URL. */
export function writeAlerts(s: Statements, drafts: readonly AlertDraft[], urls: readonly string[], queuedAtMs: number): Alert[] {
  const insert = s.get(`INSERT INTO alerts (key, kind, severity, state, standard_id, standard_version, site, target, previous_id, at_ms, started_at_ms, windows, message)
    VALUES (@key, @kind, @severity, @state, @standardId, @standardVersion, @site, @target, @previousId, @atMs, @startedAtMs, @windows, @message)`);
  const queue = s.get(`INSERT INTO alert_deliveries (alert_id, url, status, attempts, next_attempt_at_ms, created_at_ms) VALUES (?, ?, 'pending', 0, ?, ?)`);
  return drafts.map((d) => {
    const id = Number(insert.run({ ...d, windows: JSON.stringify(d.windows) }).lastInsertRowid);
    for (const url of urls) queue.run(id, url, queuedAtMs, queuedAtMs);
    return toAlert(s.get(BY_ID).get(id) as AlertRow);
  });
}

export function acknowledge(s: Statements, id: number, by: string | null, atMs: number): Alert | undefined {
  if (!s.get(BY_ID).get(id)) return undefined;
  s.get('INSERT INTO alert_acks (alert_id, at_ms, by) VALUES (?, ?, ?) ON CONFLICT (alert_id) DO NOTHING').run(id, atMs, storableText(by));
  return toAlert(s.get(BY_ID).get(id) as AlertRow);
}

export function recordAttempt(s: Statements, a: DeliveryAttempt, next: DeliveryUpdate): void {
  s.get('INSERT INTO alert_delivery_attempts (delivery_id, attempt, at_ms, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)').run(a.deliveryId, a.attempt, a.atMs, a.durationMs, a.statusCode, a.error);
  s.get('UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at_ms = ?, last_error = ?, finished_at_ms = ? WHERE id = ?').run(next.status, a.attempt, next.nextAttemptAtMs, next.lastError, next.finishedAtMs, a.deliveryId);
}

/** Ends a delivery without an attempt (its URL is no longer configured, or its alert is gone). */
export function finishDelivery(s: Statements, deliveryId: number, status: Exclude<DeliveryStatus, 'pending'>, reason: string, atMs: number): void {
  s.get('UPDATE alert_deliveries SET status = ?, last_error = ?, finished_at_ms = ? WHERE id = ?').run(status, reason, atMs, deliveryId);
}
