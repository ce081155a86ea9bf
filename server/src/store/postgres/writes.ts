// The writes of the PostgreSQL store other than event batches (events.ts): standards, sites and their history,
// corrections, the audit log, incidents and their deliveries, keys, pruning and the rollup rebuild. Each mirrors its
// SQLite counterpart under store/sqlite/ (which says why); records are chained in the same transaction.
import { canonicalJson } from '../../domain/canonical';
import { factsOf, statesOf, type CorrectionSubject, type EventState } from '../../domain/corrections';
import { DomainError } from '../../domain/errors';
import type { CheckpointFields } from '../../domain/retention';
import { bucketStart, PRUNED_CORRECTIONS_GRAIN_MS } from '../../domain/rollups';
import type { IncidentChangeDraft } from '../../domain/alerts/incidents';
import { worseSeverity } from '../../domain/alerts/evaluate';
import type { IncidentChange, IncidentUpdate, Site } from '../../protocol';
import type { AuditEntry, CorrectionRecord, DeliveryAttempt, DeliveryStatus, DeliveryUpdate, NewStandardVersion, PruneCounts, StoredKey } from '../port';
import { CHECKPOINT_COLUMNS, PRUNABLE_MILESTONES } from '../sqlite/audit';
import { parseCorrection, recordedState } from '../sqlite/corrections';
import { ACKNOWLEDGE, acknowledgedChange, acknowledgementsDue, askedIncidents, CHANGE_INSERT, changeArgs, changeOf, toChange, toIncident, type Acknowledgement, type ChangeDraft } from '../sqlite/incidents';
import { ROLLUP_TABLE, rollupRebuild, VALUE_TABLE } from '../sqlite/rollups';
import { sumReal } from './figures';
import type { EventRow, JudgementRow } from '../sqlite/rows';
import { WITHDRAW_STANDARD_VERSION } from '../sqlite/standards';
import { storableText } from '../sqlite/text';
import type { PgChainWriter } from './chain';
import type { Sql } from './db';
import { incidentById } from './incidentRows';
import { toSite } from './siteRows';
import { PgRollupWriter } from './rollups';

type Row = Record<string, unknown>;

/** Records the site's configuration as it is now (after `change`), and chains the record. */
export async function recordSiteChange(s: Sql, chain: PgChainWriter, site: string, change: string, atMs: number): Promise<void> {
  const row = await s.one<Row>('SELECT * FROM sites WHERE name = ?', [site]);
  if (!row) throw new Error(`no site "${site}" to record`);
  const definition = JSON.stringify(toSite(row));
  const values = await s.tuples<unknown[]>('INSERT INTO site_history (site, change, definition, changed_at_ms) VALUES (?, ?, ?, ?) RETURNING seq, site, change, definition, changed_at_ms', [site, change, definition, atMs]);
  await chain.append('site', values[0]!, atMs);
}

export async function writeSite(s: Sql, chain: PgChainWriter, site: Site, change: 'created' | 'updated', atMs: number): Promise<void> {
  const id = storableText(site.id);
  await s.run(
    `INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms, display_name, hours, holidays, auto_created, retired) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)
    ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds, display_name = excluded.display_name,
      hours = excluded.hours, holidays = excluded.holidays, auto_created = 0, retired = 0`,
    [id, site.timeZone, site.ringCycleSeconds, atMs, storableText(site.name), site.hours ? JSON.stringify(site.hours) : null, JSON.stringify(site.holidays)],
  );
  await recordSiteChange(s, chain, id, change, atMs);
}

export async function retireSite(s: Sql, chain: PgChainWriter, id: string, atMs: number): Promise<void> {
  await s.run('UPDATE sites SET retired = 1 WHERE name = ?', [storableText(id)]);
  await recordSiteChange(s, chain, storableText(id), 'retired', atMs);
}

export async function writeStandardVersion(s: Sql, chain: PgChainWriter, v: NewStandardVersion, atMs: number): Promise<void> {
  const def = v.definition;
  const names = (list: string[] | undefined) => list?.map((n) => storableText(n));
  const scope = def.scope && { ...def.scope, ...(def.scope.sites ? { sites: names(def.scope.sites) } : {}), ...(def.scope.queues ? { queues: names(def.scope.queues) } : {}) };
  const definition = JSON.stringify({ ...def, id: storableText(def.id), name: storableText(def.name), ...(scope ? { scope } : {}) });
  const rows = await s.tuples<unknown[]>(
    'INSERT INTO standards (id, version, definition, created_at_ms, valid_from_ms, retired) VALUES (?, ?, ?, ?, ?, ?) RETURNING id, version, definition, created_at_ms, valid_from_ms, retired',
    [storableText(v.id), v.version, definition, atMs, v.validFromMs, v.retired ? 1 : 0],
  );
  await chain.append('standard', rows[0]!, atMs);
}

/** Records a version's withdrawal with its chain link (SQLite: sqlite/standards.ts writeStandardWithdrawal). */
export async function writeStandardWithdrawal(s: Sql, chain: PgChainWriter, id: string, version: number, atMs: number): Promise<void> {
  const rows = await s.tuples<unknown[]>(WITHDRAW_STANDARD_VERSION, [id, version, atMs]);
  await chain.append('standardWithdrawal', rows[0]!, atMs);
}

export async function appendAuditLog(s: Sql, chain: PgChainWriter, e: AuditEntry, atMs: number): Promise<number> {
  const rows = await s.tuples<unknown[]>('INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES (?, ?, ?, ?, ?) RETURNING seq, key_id, action, target, details, at_ms', [
    storableText(e.keyId), storableText(e.action), storableText(e.target), canonicalJson(e.details), atMs,
  ]);
  await chain.append('audit', rows[0]!, atMs);
  return rows[0]![0] as number;
}

export async function writeCorrection(s: Sql, chain: PgChainWriter, subject: CorrectionSubject, record: CorrectionRecord, after: EventState): Promise<number> {
  const rows = await s.tuples<unknown[]>(
    'INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq, event_seq, action, changes, rejudged, reason, key_id, at_ms',
    [record.eventSeq, record.action, canonicalJson(record.changes), canonicalJson(record.rejudged), storableText(record.reason), storableText(record.keyId), record.atMs],
  );
  await chain.append('correction', rows[0]!, record.atMs);
  const before = statesOf(subject.recorded, subject.corrections).at(-1)!;
  const e = subject.event;
  const rollups = new PgRollupWriter(s);
  for (const j of factsOf(e.type, before)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, -1);
  for (const j of factsOf(e.type, after)) rollups.add({ site: e.site, occurredAtMs: e.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion }, j.facts, 1);
  await rollups.flush();
  return rows[0]![0] as number;
}

// ---------------------------------------------------------------------------------------------- incidents

type IncidentRow = Parameters<typeof toIncident>[0];
type ChangeRow = Parameters<typeof toChange>[0];

async function appendChange(s: Sql, c: ChangeDraft): Promise<number> {
  return (await s.one<{ seq: number }>(`${CHANGE_INSERT} RETURNING seq`, changeArgs(c)))!.seq;
}

const changeBySeq = async (s: Sql, seq: number): Promise<IncidentChange> => toChange((await s.one<ChangeRow>('SELECT * FROM incident_changes WHERE seq = ?', [seq]))!);

async function insertIncident(s: Sql, d: IncidentChangeDraft): Promise<number> {
  const open = await s.one<{ id: number }>(`SELECT id FROM incidents WHERE standard_id = ? AND site = ? AND state = 'open'`, [d.standardId, d.site]);
  if (open) throw new DomainError('conflict', 'incident', `incident ${open.id} of ${d.standardId} at ${d.site} is already open`);
  const row = await s.one<{ id: number }>(
    `INSERT INTO incidents (standard_id, standard_version, site, site_name, standard_label, target, state, severity, peak_severity, opened_at_ms, changed_at_ms, summary, detail, last_change_seq)
    VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 0) RETURNING id`,
    [d.standardId, d.standardVersion, d.site, d.siteName, d.standardLabel, d.target, d.severity, d.severity, d.atMs, d.atMs, d.summary, JSON.stringify(d.detail)],
  );
  return row!.id;
}

async function applyChange(s: Sql, row: IncidentRow, d: IncidentChangeDraft, seq: number): Promise<void> {
  const recovered = d.kind === 'recovered';
  const peak = worseSeverity(row.peak_severity, d.severity);
  const ack = d.clearsAcknowledgement ? [null, null, null] : [row.ack_at_ms, row.ack_by, row.ack_severity];
  await s.run(
    `UPDATE incidents SET standard_version = ?, site_name = ?, standard_label = ?, target = ?, state = ?, severity = ?, peak_severity = ?, changed_at_ms = ?,
      recovered_at_ms = ?, ack_at_ms = ?, ack_by = ?, ack_severity = ?, summary = ?, detail = ?, last_change_seq = ? WHERE id = ?`,
    [d.standardVersion, d.siteName, d.standardLabel, d.target, recovered ? 'recovered' : 'open', d.severity, peak, d.atMs, recovered ? d.atMs : null, ...ack, d.summary, JSON.stringify(d.detail), seq, row.id],
  );
}

export async function writeIncidentChanges(s: Sql, drafts: readonly IncidentChangeDraft[], urls: readonly string[], queuedAtMs: number): Promise<IncidentUpdate[]> {
  const out: IncidentUpdate[] = [];
  for (const d of drafts) {
    const id = d.kind === 'opened' ? await insertIncident(s, d) : (d.incidentId ?? -1);
    const row = await s.one<IncidentRow>('SELECT * FROM incidents WHERE id = ? FOR UPDATE', [id]);
    if (!row || row.state !== 'open') throw new DomainError('conflict', 'incident', `incident ${id} is not open`);
    const seq = await appendChange(s, changeOf(d, id));
    await applyChange(s, row, d, seq);
    for (const url of urls) await s.run(`INSERT INTO incident_deliveries (change_seq, url, status, attempts, next_attempt_at_ms, created_at_ms) VALUES (?, ?, 'pending', 0, ?, ?)`, [seq, url, queuedAtMs, queuedAtMs]);
    out.push({ change: await changeBySeq(s, seq), incident: (await incidentById(s, id))! });
  }
  return out;
}

export async function acknowledgeIncidents(s: Sql, ids: readonly number[], by: string | null, atMs: number): Promise<Acknowledgement[]> {
  const found: Array<IncidentRow | undefined> = [];
  for (const id of ids) found.push(await s.one<IncidentRow>('SELECT * FROM incidents WHERE id = ? FOR UPDATE', [id]));
  const { due, done } = acknowledgementsDue(askedIncidents(ids, found));
  for (const row of due) {
    const seq = await appendChange(s, acknowledgedChange(row, by, atMs));
    await s.run(ACKNOWLEDGE.sql, ACKNOWLEDGE.args(row, by, atMs, seq));
    done.set(row.id, { incident: (await incidentById(s, row.id))!, change: await changeBySeq(s, seq) });
  }
  return ids.map((id) => done.get(id)!);
}

export async function recordAttempt(s: Sql, a: DeliveryAttempt, next: DeliveryUpdate): Promise<void> {
  await s.run('INSERT INTO incident_delivery_attempts (delivery_id, attempt, at_ms, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)', [a.deliveryId, a.attempt, a.atMs, a.durationMs, a.statusCode, a.error]);
  await s.run('UPDATE incident_deliveries SET status = ?, attempts = ?, next_attempt_at_ms = ?, last_error = ?, finished_at_ms = ? WHERE id = ?', [next.status, a.attempt, next.nextAttemptAtMs, next.lastError, next.finishedAtMs, a.deliveryId]);
}

export async function finishDelivery(s: Sql, deliveryId: number, status: Exclude<DeliveryStatus, 'pending'>, reason: string, atMs: number): Promise<void> {
  await s.run('UPDATE incident_deliveries SET status = ?, last_error = ?, finished_at_ms = ? WHERE id = ?', [status, reason, atMs, deliveryId]);
}

// ------------------------------------------------------------------------------------------------- keys

export async function writeKey(s: Sql, k: Omit<StoredKey, 'revokedAtMs' | 'lastUsedAtMs'>): Promise<void> {
  await s.run('INSERT INTO api_keys (id, name, scopes, sites, hash, prefix, source, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    k.id, storableText(k.name), JSON.stringify(k.scopes), k.sites === null ? null : JSON.stringify(k.sites.map(storableText)), k.hash, k.prefix, k.source, k.createdAtMs, k.expiresAtMs,
  ]);
}

export const revokeKey = async (s: Sql, id: string, atMs: number): Promise<boolean> => (await s.run('UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ?', [atMs, id])) > 0;

export async function keysUsed(s: Sql, lastUse: ReadonlyMap<string, number>): Promise<void> {
  for (const [id, at] of lastUse) await s.run('UPDATE api_keys SET last_used_at_ms = GREATEST(COALESCE(last_used_at_ms, 0), ?) WHERE id = ?', [at, id]);
}

// ------------------------------------------------------------------------------------- pruning, rebuild

const KEEP_CORRECTION_COUNTS = `
  INSERT INTO pruned_corrections (site, standard_id, bucket_ms, standard_version, voided, amended)
  SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % ${PRUNED_CORRECTIONS_GRAIN_MS}) + ${PRUNED_CORRECTIONS_GRAIN_MS}) % ${PRUNED_CORRECTIONS_GRAIN_MS}),
    j.standard_version, SUM((lc.action = 'void')::int), SUM((lc.action = 'amend')::int)
  FROM judgements j JOIN events e ON e.seq = j.event_seq
  JOIN audit_corrections lc ON lc.seq = (SELECT MAX(seq) FROM audit_corrections WHERE event_seq = e.seq)
  WHERE e.occurred_at_ms < ?
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (site, standard_id, bucket_ms, standard_version) DO UPDATE SET voided = pruned_corrections.voided + excluded.voided, amended = pruned_corrections.amended + excluded.amended`;

export async function prune(s: Sql, chain: PgChainWriter, cutoffMs: number, sign: (fields: CheckpointFields) => string, atMs: number): Promise<PruneCounts & { checkpointSeq: number | null }> {
  const { n, last } = (await s.one<{ n: number; last: number | null }>('SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE occurred_at_ms < ?', [cutoffMs]))!;
  const m = (await s.one<{ n: number; last: number | null }>(`SELECT COUNT(*) AS n, MAX(seq) AS last ${PRUNABLE_MILESTONES}`, [cutoffMs]))!;
  if (n === 0 && m.n === 0) return { events: 0, judgements: 0, lastEventSeq: null, milestones: 0, checkpointSeq: null };
  await s.run(KEEP_CORRECTION_COUNTS, [cutoffMs]);
  await s.run('INSERT INTO audit_pruning (flag) VALUES (1)');
  const judgements = await s.run('DELETE FROM judgements WHERE event_seq IN (SELECT seq FROM events WHERE occurred_at_ms < ?)', [cutoffMs]);
  const events = await s.run('DELETE FROM events WHERE occurred_at_ms < ?', [cutoffMs]);
  const milestones = await s.run(`DELETE ${PRUNABLE_MILESTONES}`, [cutoffMs]);
  await s.run('DELETE FROM audit_pruning');
  const head = (await s.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1'))!;
  const fields: CheckpointFields = { prunedBeforeMs: cutoffMs, lastEventSeq: last, events, judgements, headSeq: head.seq, headHash: head.hash, atMs, lastMilestoneSeq: m.last, milestones };
  const rows = await s.tuples<unknown[]>(
    `INSERT INTO audit_checkpoints (pruned_before_ms, last_event_seq, events, judgements, head_seq, head_hash, at_ms, hmac, last_milestone_seq, milestones)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CHECKPOINT_COLUMNS}`,
    [cutoffMs, last, events, judgements, head.seq, head.hash, atMs, sign(fields), m.last, milestones],
  );
  await chain.append('checkpoint', rows[0]!, atMs);
  return { events, judgements, lastEventSeq: last, milestones, checkpointSeq: rows[0]![0] as number };
}

const DAY_MS = 86_400_000;

/** Recomputes rollups and histograms from the raw events (from `fromMs`, the retention cutoff, when given). */
export async function rebuildRollups(s: Sql, fromMs?: number): Promise<{ rollupRows: number; histogramCells: number }> {
  if (fromMs !== undefined && (!Number.isSafeInteger(fromMs) || fromMs % 900_000 !== 0)) throw new Error('a partial rebuild starts on the quarter-hour grid');
  const from = fromMs ?? Number.MIN_SAFE_INTEGER;
  const rollups = rollupRebuild(from, sumReal);
  for (const { sql, args } of rollups.clear) await s.run(sql, args);
  await s.run(`DELETE FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ?`, [from]);
  const span = (await s.one<{ lo: number | null; hi: number | null }>('SELECT MIN(occurred_at_ms) AS lo, MAX(occurred_at_ms) AS hi FROM events WHERE occurred_at_ms >= ?', [from]))!;
  if (span.lo !== null) for (let day = bucketStart(span.lo, DAY_MS); day <= span.hi!; day += DAY_MS) await rebuildDay(s, Math.max(day, from), day + DAY_MS);
  for (const { sql, args } of rollups.straddling) await s.run(sql, args);
  // The day histogram: each day's cells are the sums of its quarter hours' (whole counts: the order of the sums is moot).
  const dayFrom = fromMs === undefined ? from : bucketStart(from, DAY_MS);
  await s.run(`DELETE FROM ${VALUE_TABLE.day} WHERE bucket_ms >= ?`, [dayFrom]);
  await s.run(
    `INSERT INTO ${VALUE_TABLE.day} (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT site, standard_id, bucket_ms - (((bucket_ms % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS}), standard_version, value, SUM(n), SUM(met)
    FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ? GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0`,
    [dayFrom],
  );
  const count = async (tables: readonly string[]) => {
    let n = 0;
    for (const t of tables) n += (await s.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))!.n;
    return n;
  };
  return { rollupRows: await count(Object.values(ROLLUP_TABLE)), histogramCells: await count(Object.values(VALUE_TABLE)) };
}

async function rebuildDay(s: Sql, fromMs: number, toMs: number): Promise<void> {
  const events = await s.rows<EventRow>('SELECT * FROM events WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY seq', [fromMs, toMs]);
  if (events.length === 0) return;
  const judgements = groupBySeq(await s.rows<JudgementRow>('SELECT j.* FROM judgements j JOIN events e ON e.seq = j.event_seq WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ORDER BY j.event_seq, j.standard_id', [fromMs, toMs]));
  const corrections = groupBySeq(await s.rows<{ event_seq: number; action: 'void' | 'amend'; changes: string; rejudged: string }>('SELECT c.* FROM audit_corrections c JOIN events e ON e.seq = c.event_seq WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ORDER BY c.seq', [fromMs, toMs]));
  const writer = new PgRollupWriter(s);
  for (const e of events) {
    const states = statesOf(recordedState(e, judgements.get(e.seq) ?? []), (corrections.get(e.seq) ?? []).map(parseCorrection));
    const place = (j: { standardId: string; standardVersion: number }) => ({ site: e.site, occurredAtMs: e.occurred_at_ms, standardId: j.standardId, standardVersion: j.standardVersion });
    for (const [i, state] of states.entries()) {
      if (i > 0) for (const j of factsOf(e.type, states[i - 1]!)) writer.add(place(j), j.facts, -1);
      for (const j of factsOf(e.type, state)) writer.add(place(j), j.facts, 1);
    }
  }
  await writer.flush();
}

function groupBySeq<T extends { event_seq: number }>(rows: readonly T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const r of rows) map.set(r.event_seq, [...(map.get(r.event_seq) ?? []), r]);
  return map;
}
