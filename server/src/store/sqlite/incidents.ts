// Incidents as stored: the current state per incident (updated in place), every change appended to
// incident_changes (append-only, seq = the replay cursor), and the webhook outbox (one row per change and URL, queued
// in the change's transaction, so a restart resumes deliveries). What both backends write alike (a change's insert, an
// acknowledgement's plan and row update) is exported from here for postgres/writes.ts.
import type { Incident, IncidentChange, IncidentChangeKind, IncidentDetail, IncidentSeverity, IncidentState, IncidentUpdate } from '../../protocol';
import type { IncidentChangeDraft } from '../../domain/alerts/incidents';
import { acknowledgementCovers, worseSeverity } from '../../domain/alerts/evaluate';
import { DomainError, FieldErrors, notFoundMessage } from '../../domain/errors';
import type { Delivery, DeliveryAttempt, DeliveryStatus, DeliveryUpdate, IncidentFilter, IncidentsReads } from '../port';
import type { Statements } from './database';
import { storableText } from './text';

interface IncidentRow {
  id: number;
  standard_id: string;
  standard_version: number;
  site: string;
  site_name: string;
  standard_label: string;
  target: number;
  state: IncidentState;
  severity: IncidentSeverity;
  peak_severity: IncidentSeverity;
  opened_at_ms: number;
  changed_at_ms: number;
  recovered_at_ms: number | null;
  ack_at_ms: number | null;
  ack_by: string | null;
  ack_severity: IncidentSeverity | null;
  summary: string;
  detail: string;
  last_change_seq: number;
}

interface ChangeRow {
  seq: number;
  incident_id: number;
  kind: IncidentChangeKind;
  at_ms: number;
  severity: IncidentSeverity;
  previous_severity: IncidentSeverity | null;
  summary: string;
  detail: string;
  by: string | null;
}

interface DeliveryRow {
  id: number;
  change_seq: number;
  incident_id: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at_ms: number;
  last_error: string | null;
  created_at_ms: number;
  finished_at_ms: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    standardId: r.standard_id,
    standardVersion: r.standard_version,
    site: r.site,
    siteName: r.site_name,
    standardLabel: r.standard_label,
    target: r.target,
    state: r.state,
    severity: r.severity,
    peakSeverity: r.peak_severity,
    openedAt: iso(r.opened_at_ms),
    changedAt: iso(r.changed_at_ms),
    recoveredAt: isoOrNull(r.recovered_at_ms),
    acknowledgedAt: isoOrNull(r.ack_at_ms),
    acknowledgedBy: r.ack_by,
    acknowledgedSeverity: r.ack_severity,
    summary: r.summary,
    detail: JSON.parse(r.detail) as IncidentDetail,
    lastChangeSeq: r.last_change_seq,
  };
}

export function toChange(r: ChangeRow): IncidentChange {
  return {
    seq: r.seq,
    incidentId: r.incident_id,
    kind: r.kind,
    at: iso(r.at_ms),
    severity: r.severity,
    previousSeverity: r.previous_severity,
    summary: r.summary,
    detail: JSON.parse(r.detail) as IncidentDetail,
    by: r.by,
  };
}

/** A delivery with the incident of its change (both backends). */
export const DELIVERY_SELECT = 'SELECT d.*, c.incident_id FROM incident_deliveries d JOIN incident_changes c ON c.seq = d.change_seq';

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    changeSeq: r.change_seq,
    incidentId: r.incident_id,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAtMs: r.next_attempt_at_ms,
    lastError: r.last_error,
    createdAtMs: r.created_at_ms,
    finishedAtMs: r.finished_at_ms,
  };
}

function incidentById(s: Statements, id: number): Incident | undefined {
  const row = s.get('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
  return row ? toIncident(row) : undefined;
}

function changeBySeq(s: Statements, seq: number): IncidentChange {
  return toChange(s.get('SELECT * FROM incident_changes WHERE seq = ?').get(seq) as ChangeRow);
}

function listIncidents(s: Statements, filter: IncidentFilter): Incident[] {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: filter.limit };
  const condition = (sql: string, name: string, value: unknown) => {
    where.push(sql);
    params[name] = value;
  };
  if (filter.state && filter.state !== 'all') condition('state = @state', 'state', filter.state);
  if (filter.toMs !== undefined) condition('opened_at_ms < @toMs', 'toMs', filter.toMs);
  if (filter.fromMs !== undefined) condition('(recovered_at_ms IS NULL OR recovered_at_ms >= @fromMs)', 'fromMs', filter.fromMs);
  if (filter.standardId !== undefined) condition('standard_id = @standardId', 'standardId', filter.standardId);
  if (filter.site !== undefined) condition('site = @site', 'site', filter.site);
  if (filter.beforeId !== undefined) condition('id < @beforeId', 'beforeId', filter.beforeId);
  // At most 2^6 filter shapes, each prepared once.
  const sql = `SELECT * FROM (SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit) ORDER BY id`;
  return (s.get(sql).all(params) as IncidentRow[]).map(toIncident);
}

export function incidentsReads(s: Statements): IncidentsReads {
  return {
    get: async (id) => incidentById(s, id),
    list: async (filter) => listIncidents(s, filter),
    open: async () => (s.get(`SELECT * FROM incidents WHERE state = 'open' ORDER BY id`).all() as IncidentRow[]).map(toIncident),
    changes: async (id) => (s.get('SELECT * FROM incident_changes WHERE incident_id = ? ORDER BY seq').all(id) as ChangeRow[]).map(toChange),
    after: async (afterSeq, limit) =>
      (s.get('SELECT * FROM incident_changes WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as ChangeRow[]).map((r) => ({ change: toChange(r), incident: incidentById(s, r.incident_id)! })),
    headSeq: async () => (s.get('SELECT MAX(seq) AS seq FROM incident_changes').get() as { seq: number | null }).seq ?? 0,
    pendingDeliveries: async () => (s.get(`${DELIVERY_SELECT} WHERE d.status = 'pending' ORDER BY d.next_attempt_at_ms, d.id`).all() as DeliveryRow[]).map(toDelivery),
    deliveries: async (incidentId) => (s.get(`${DELIVERY_SELECT} WHERE c.incident_id = ? ORDER BY d.change_seq, d.id`).all(incidentId) as DeliveryRow[]).map(toDelivery),
    attempts: async (deliveryId) =>
      (s.get('SELECT * FROM incident_delivery_attempts WHERE delivery_id = ? ORDER BY attempt').all(deliveryId) as Array<{ delivery_id: number; attempt: number; at_ms: number; duration_ms: number; status_code: number | null; error: string | null }>).map(
        (r): DeliveryAttempt => ({ deliveryId: r.delivery_id, attempt: r.attempt, atMs: r.at_ms, durationMs: r.duration_ms, statusCode: r.status_code, error: r.error }),
      ),
  };
}

/** A change to append, as both backends write it (CHANGE_INSERT, changeArgs). */
export interface ChangeDraft {
  incidentId: number;
  kind: IncidentChangeKind;
  atMs: number;
  standardId: string;
  site: string;
  severity: IncidentSeverity;
  previousSeverity: IncidentSeverity | null;
  summary: string;
  detail: IncidentDetail;
  by: string | null;
}

export const CHANGE_INSERT = 'INSERT INTO incident_changes (incident_id, kind, at_ms, standard_id, site, severity, previous_severity, summary, detail, by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export const changeArgs = (c: ChangeDraft): unknown[] => [c.incidentId, c.kind, c.atMs, c.standardId, c.site, c.severity, c.previousSeverity, c.summary, JSON.stringify(c.detail), storableText(c.by)];

/** The change an evaluation step's draft appends to incident `id`. */
export const changeOf = (d: IncidentChangeDraft, id: number): ChangeDraft => ({ incidentId: id, kind: d.kind, atMs: d.atMs, standardId: d.standardId, site: d.site, severity: d.severity, previousSeverity: d.previousSeverity, summary: d.summary, detail: d.detail, by: null });

function appendChange(s: Statements, c: ChangeDraft): number {
  return Number(s.get(CHANGE_INSERT).run(...changeArgs(c)).lastInsertRowid);
}

/** A new open incident for an `opened` draft; the change seq is set right after. */
function insertIncident(s: Statements, d: IncidentChangeDraft): number {
  const open = s.get(`SELECT id FROM incidents WHERE standard_id = ? AND site = ? AND state = 'open'`).get(d.standardId, d.site) as { id: number } | undefined;
  if (open) throw new DomainError('conflict', 'incident', `incident ${open.id} of ${d.standardId} at ${d.site} is already open`);
  const sql = `INSERT INTO incidents (standard_id, standard_version, site, site_name, standard_label, target, state, severity, peak_severity, opened_at_ms, changed_at_ms, summary, detail, last_change_seq)
    VALUES (@standardId, @standardVersion, @site, @siteName, @standardLabel, @target, 'open', @severity, @severity, @atMs, @atMs, @summary, @detail, 0)`;
  return Number(s.get(sql).run({ ...d, detail: JSON.stringify(d.detail) }).lastInsertRowid);
}

function openIncidentRow(s: Statements, id: number): IncidentRow {
  const row = s.get('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
  if (!row || row.state !== 'open') throw new DomainError('conflict', 'incident', `incident ${id} is not open`);
  return row;
}

/** The incident row after a change that is not an acknowledgement. */
function applyChange(s: Statements, row: IncidentRow, d: IncidentChangeDraft, seq: number): void {
  const recovered = d.kind === 'recovered';
  const peak = worseSeverity(row.peak_severity, d.severity);
  const ack = d.clearsAcknowledgement ? { ack_at_ms: null, ack_by: null, ack_severity: null } : { ack_at_ms: row.ack_at_ms, ack_by: row.ack_by, ack_severity: row.ack_severity };
  s.get(`UPDATE incidents SET standard_version = @standardVersion, site_name = @siteName, standard_label = @standardLabel, target = @target, state = @state,
      severity = @severity, peak_severity = @peak, changed_at_ms = @atMs, recovered_at_ms = @recoveredAt, ack_at_ms = @ack_at_ms, ack_by = @ack_by,
      ack_severity = @ack_severity, summary = @summary, detail = @detail, last_change_seq = @seq WHERE id = @id`).run({
    ...d,
    ...ack,
    id: row.id,
    state: recovered ? 'recovered' : 'open',
    peak,
    recoveredAt: recovered ? d.atMs : null,
    detail: JSON.stringify(d.detail),
    seq,
  });
}

/** Appends the changes of one evaluation step, applies them, and queues one delivery per change and URL. */
export function writeIncidentChanges(s: Statements, drafts: readonly IncidentChangeDraft[], urls: readonly string[], queuedAtMs: number): IncidentUpdate[] {
  const queue = s.get(`INSERT INTO incident_deliveries (change_seq, url, status, attempts, next_attempt_at_ms, created_at_ms) VALUES (?, ?, 'pending', 0, ?, ?)`);
  return drafts.map((d) => {
    const id = d.kind === 'opened' ? insertIncident(s, d) : (d.incidentId ?? -1);
    const row = openIncidentRow(s, id);
    const seq = appendChange(s, changeOf(d, id));
    applyChange(s, row, d, seq);
    for (const url of urls) queue.run(seq, url, queuedAtMs, queuedAtMs);
    return { change: changeBySeq(s, seq), incident: incidentById(s, id)! };
  });
}

export interface Acknowledgement {
  incident: Incident;
  change: IncidentChange | null;
}

/**
 * The asked ids' rows (in order), read before anything is written: every id without an incident is named at once
 * (path `ids.<index>`, its place in the list asked), so one answer lists all a client must drop, and none is acknowledged.
 */
export function askedIncidents(ids: readonly number[], rows: ReadonlyArray<IncidentRow | undefined>): IncidentRow[] {
  const unknown = ids.flatMap((id, i) => (rows[i] ? [] : [{ path: `ids.${i}`, message: notFoundMessage('incident', id) }]));
  if (unknown.length > 0) throw new FieldErrors('not-found', unknown, 'incident-not-found');
  return rows as IncidentRow[];
}

/**
 * What acknowledging the asked incidents' rows (in order; an id may repeat) does: each incident once, at its current
 * severity. One whose acknowledgement already covers its severity is answered as it is (`done`); each of the others
 * (`due`) gets its acknowledgedChange and ACKNOWLEDGE, then its answer in `done`. The answer to the ask is
 * `ids.map((id) => done.get(id))`.
 */
export function acknowledgementsDue(rows: readonly IncidentRow[]): { due: IncidentRow[]; done: Map<number, Acknowledgement> } {
  const done = new Map<number, Acknowledgement>();
  const due = new Map<number, IncidentRow>();
  for (const row of rows) {
    if (acknowledgementCovers(row.ack_severity, row.severity)) done.set(row.id, { incident: toIncident(row), change: null });
    else due.set(row.id, row);
  }
  return { due: [...due.values()], done };
}

export const acknowledgedChange = (row: IncidentRow, by: string | null, atMs: number): ChangeDraft => ({
  incidentId: row.id,
  kind: 'acknowledged',
  atMs,
  standardId: row.standard_id,
  site: row.site,
  severity: row.severity,
  previousSeverity: row.severity,
  summary: row.summary,
  detail: JSON.parse(row.detail) as IncidentDetail,
  by,
});

/** The row update of an acknowledgement whose change is `seq`. */
export const ACKNOWLEDGE = {
  sql: 'UPDATE incidents SET ack_at_ms = ?, ack_by = ?, ack_severity = ?, last_change_seq = ? WHERE id = ?',
  args: (row: IncidentRow, by: string | null, atMs: number, seq: number): unknown[] => [atMs, storableText(by), row.severity, seq, row.id],
};

/** Acknowledges each incident at its current severity (all or nothing); one already covered is left unchanged. */
export function acknowledgeIncidents(s: Statements, ids: readonly number[], by: string | null, atMs: number): Acknowledgement[] {
  const rows = askedIncidents(ids, ids.map((id) => s.get('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined));
  const { due, done } = acknowledgementsDue(rows);
  for (const row of due) {
    const seq = appendChange(s, acknowledgedChange(row, by, atMs));
    s.get(ACKNOWLEDGE.sql).run(...ACKNOWLEDGE.args(row, by, atMs, seq));
    done.set(row.id, { incident: incidentById(s, row.id)!, change: changeBySeq(s, seq) });
  }
  return ids.map((id) => done.get(id)!);
}

export function recordAttempt(s: Statements, a: DeliveryAttempt, next: DeliveryUpdate): void {
  s.get('INSERT INTO incident_delivery_attempts (delivery_id, attempt, at_ms, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)').run(a.deliveryId, a.attempt, a.atMs, a.durationMs, a.statusCode, a.error);
  s.get('UPDATE incident_deliveries SET status = ?, attempts = ?, next_attempt_at_ms = ?, last_error = ?, finished_at_ms = ? WHERE id = ?').run(next.status, a.attempt, next.nextAttemptAtMs, next.lastError, next.finishedAtMs, a.deliveryId);
}

/** Ends a delivery without an attempt (its URL is no longer configured, or its change is gone). */
export function finishDelivery(s: Statements, deliveryId: number, status: Exclude<DeliveryStatus, 'pending'>, reason: string, atMs: number): void {
  s.get('UPDATE incident_deliveries SET status = ?, last_error = ?, finished_at_ms = ? WHERE id = ?').run(status, reason, atMs, deliveryId);
}
