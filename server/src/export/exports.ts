// The export bodies (issue #6): events with judgements and chain links, compliance per period × site ×
// standard (corrected view; before the retention cutoff from the rollups), alerts, and the audit log. Each
// reads from its own read-only connection inside one read transaction, so rows, proof links, chain head and
// retention cutoff come from the same snapshot.
import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../domain/chain';
import { nextPeriodStart, periodStart, localParts } from '../domain/zonedTime';
import { EVENTS_SELECT, eventRows } from './eventRows';
import type { Column, ExportBody } from './format';
import { filtersOf, type ExportQuery, type Period } from './query';
import type { MissingRange } from '../protocol';
import { prunedParts, retentionHorizon, retentionNote, type RetentionHorizon } from '../audit/retention';
import { splitRange } from '../store/rollupQueries';

export interface ExportContext {
  reader: Database.Database;
  serverVersion: string;
  nowMs: number;
  format: string;
}

interface VersionInfo {
  id: string;
  version: number;
  name: string;
  formula: string;
  target: number;
  validFromMs: number | null;
  definition: Record<string, unknown>;
}

export function standardVersions(reader: Database.Database): VersionInfo[] {
  return (reader.prepare('SELECT id, version, definition, valid_from_ms FROM standards ORDER BY id, version').all() as Array<{ id: string; version: number; definition: string; valid_from_ms: number | null }>).map((r) => {
    const d = JSON.parse(r.definition) as Record<string, unknown>;
    return { id: r.id, version: r.version, name: String(d.name ?? r.id), formula: String(d.formula ?? 'F3'), target: Number(d.target ?? 0), validFromMs: r.valid_from_ms, definition: d };
  });
}

function head(reader: Database.Database): { seq: number; hash: string } {
  return (reader.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
}

function baseHeader(kind: string, q: ExportQuery, ctx: ExportContext, chainHead: { seq: number; hash: string }) {
  return {
    kind,
    format: ctx.format,
    generatedAt: new Date(ctx.nowMs).toISOString(),
    serverVersion: `ringside/${ctx.serverVersion}`,
    filters: filtersOf(q),
    timeZone: q.timeZone,
    chainHead,
  };
}

// ---------------------------------------------------------------------------------------------- events

export const EVENT_COLUMNS: readonly Column[] = [
  { key: 'event_seq', type: 'integer' },
  { key: 'event_id', type: 'text' },
  { key: 'type', type: 'text' },
  { key: 'site', type: 'text' },
  { key: 'occurred_at', type: 'text' },
  { key: 'occurred_at_ms', type: 'integer' },
  { key: 'received_at_ms', type: 'integer' },
  { key: 'outcome', type: 'text' },
  { key: 'rings', type: 'integer' },
  { key: 'answer_seconds', type: 'number' },
  { key: 'greet_seconds', type: 'number' },
  { key: 'queue', type: 'text' },
  { key: 'agent', type: 'text' },
  { key: 'derived', type: 'text' },
  { key: 'content', type: 'text' },
  { key: 'standard_id', type: 'text' },
  { key: 'standard_version', type: 'integer' },
  { key: 'formula', type: 'text' },
  { key: 'measure', type: 'text' },
  { key: 'measure_source', type: 'text' },
  { key: 'value', type: 'number' },
  { key: 'threshold', type: 'number' },
  { key: 'met', type: 'integer' },
  { key: 'counted', type: 'integer' },
  { key: 'reason', type: 'text' },
  { key: 'result', type: 'text' },
  { key: 'correction', type: 'text' },
  { key: 'correction_seq', type: 'integer' },
  { key: 'corrected_met', type: 'integer' },
  { key: 'corrected_counted', type: 'integer' },
  { key: 'event_link_seq', type: 'integer' },
  { key: 'event_link_prev', type: 'text' },
  { key: 'event_link_hash', type: 'text' },
  { key: 'judgement_link_seq', type: 'integer' },
  { key: 'judgement_link_prev', type: 'text' },
  { key: 'judgement_link_hash', type: 'text' },
];

const siteFilter = (q: ExportQuery, alias: string) => (q.sites.length ? `AND ${alias}.site IN (${q.sites.map(() => '?').join(', ')})` : '');

export function eventsExport(q: ExportQuery, ctx: ExportContext): ExportBody<unknown[]> {
  const r = ctx.reader;
  const chainHead = head(r);
  // Events before the cutoff are gone (those stored there since were back-dated); their links stay in the chain,
  // covered by the signed checkpoint.
  const horizon = retentionHorizon(r);
  const retention = retentionNote(horizon, q.fromMs, prunedParts('events', [q], horizon));
  const versions = new Map(standardVersions(r).map((v) => [`${v.id}@${v.version}`, v]));
  const standardJoin = q.standards.length ? `AND j.standard_id IN (${q.standards.map(() => '?').join(', ')})` : '';
  // Chain links and corrections are merged in by eventRows (one ordered cursor each), not joined per row.
  const sql = `${EVENTS_SELECT}
    FROM events e
    ${q.standards.length ? 'JOIN' : 'LEFT JOIN'} judgements j ON j.event_seq = e.seq ${standardJoin}
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${siteFilter(q, 'e')}
    ORDER BY e.seq, j.standard_id`;
  const involved = new Set<string>();
  // Chain links carried by the rows: one bit per link up to the head (constant-size for the export).
  const carried = new Uint8Array((chainHead.seq >> 3) + 1);
  const mark = (seq: number | null) => {
    if (seq !== null && seq <= chainHead.seq) carried[seq >> 3]! |= 1 << (seq & 7);
  };
  const isCarried = (seq: number) => (carried[seq >> 3]! & (1 << (seq & 7))) !== 0;
  let firstLink = Infinity;
  let lastId: string | null = null;
  let lastVersion: number | null = null;
  const rows = eventRows({
    reader: r,
    sql,
    args: [...q.standards, q.fromMs, q.toMs, ...q.sites],
    outcomes: new Set(q.outcomes),
    formulaOf: (id, version) => versions.get(`${id}@${version}`)?.formula ?? null,
    kept(standardId, version, eventLink, judgementLink) {
      if (standardId !== null && (standardId !== lastId || version !== lastVersion)) {
        involved.add(`${standardId}@${version}`);
        lastId = standardId;
        lastVersion = version;
      }
      mark(eventLink);
      mark(judgementLink);
      if (eventLink !== null && eventLink < firstLink) firstLink = eventLink;
      if (judgementLink !== null && judgementLink < firstLink) firstLink = judgementLink;
    },
  });

  return {
    kind: 'events',
    columns: EVENT_COLUMNS,
    header: { ...baseHeader('events', q, ctx, chainHead), ...(retention ? { retention } : {}) },
    rows,
    toValues: (row) => row,
    toRecord: (row) => Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c.key, row[i]])),
    links: q.proof === 'none'
      ? undefined
      : function* () {
          if (firstLink === Infinity) return;
          // Only the runs of links the rows do not carry are read (a full export carries nearly all of them).
          const stmt = r.prepare('SELECT seq, kind, ref, digest, hash FROM audit_chain WHERE seq >= ? AND seq <= ? ORDER BY seq');
          for (let s = firstLink + 1; s <= chainHead.seq; ) {
            if ((s & 7) === 0 && carried[s >> 3] === 0xff) s += 8;
            else if (isCarried(s)) s += 1;
            else {
              let e = s;
              while (e < chainHead.seq && !isCarried(e + 1)) e += 1;
              yield* stmt.iterate(s, e) as Iterable<{ seq: number; kind: string; ref: string; digest: string; hash: string }>;
              s = e + 1;
            }
          }
        },
    manifest: ({ rowCount, dataSha256 }) => ({
      ...baseHeader('events', q, ctx, chainHead),
      rowCount,
      dataSha256,
      dataHashCovers: hashDefinition(ctx.format),
      standardVersions: [...involved].sort(),
      proof: q.proof === 'none' || firstLink === Infinity ? null : { fromLinkSeq: firstLink, toLinkSeq: chainHead.seq },
      ...(retention ? { retention } : {}),
    }),
  };
}

export function hashDefinition(format: string): string {
  if (format === 'csv') return 'SHA-256 of the data records exactly as written (UTF-8, each ending in CRLF); the header row and # lines excluded';
  return 'SHA-256 of each data row as compact JSON (UTF-8) followed by "\\n", concatenated in file order';
}

// ------------------------------------------------------------------------------------------ compliance

export const COMPLIANCE_COLUMNS: readonly Column[] = [
  { key: 'period', type: 'text' },
  { key: 'period_start', type: 'text' },
  { key: 'period_end', type: 'text' },
  { key: 'time_zone', type: 'text' },
  { key: 'site', type: 'text' },
  { key: 'standard_id', type: 'text' },
  { key: 'standard_name', type: 'text' },
  { key: 'formula', type: 'text' },
  { key: 'numerator', type: 'integer' },
  { key: 'denominator', type: 'integer' },
  { key: 'ratio', type: 'number' },
  { key: 'target', type: 'number' },
  { key: 'met_target', type: 'text' },
  { key: 'versions', type: 'text' },
  { key: 'voided', type: 'integer' },
  { key: 'amended', type: 'integer' },
];

/** Period starts overlapping [from, to) in `zone`: local days, ISO weeks (Monday) or calendar months. */
export function periodBounds(fromMs: number, toMs: number, zone: string, period: Period): Array<{ label: string; start: number; end: number }> {
  const out: Array<{ label: string; start: number; end: number }> = [];
  const unit = period === 'month' ? 'month' : 'day';
  let s = periodStart(fromMs, zone, unit);
  if (period === 'week') while (localParts(s, zone).weekday !== 0) s = periodStart(s - 1, zone, 'day');
  while (s < toMs) {
    let e = nextPeriodStart(s, zone, unit);
    if (period === 'week') for (let i = 1; i < 7; i += 1) e = nextPeriodStart(e, zone, 'day');
    const date = localParts(s, zone).date;
    out.push({ label: period === 'month' ? date.slice(0, 7) : period === 'week' ? `week of ${date}` : date, start: s, end: e });
    s = e;
  }
  return out;
}

export interface ComplianceRow {
  period: string;
  start: number;
  end: number;
  site: string;
  standardId: string;
  numerator: number;
  denominator: number;
  versions: number[];
  voided: number;
  amended: number;
}

type Sums = { site: string; standardId: string; version: number; met: number; counted: number; voided: number; amended: number };

const standardFilter = (q: ExportQuery, column: string) => (q.standards.length ? `AND ${column} IN (${q.standards.map(() => '?').join(', ')})` : '');

/** Σmet, Σcounted, voided, amended per site × standard × version of the stored judgements in [?, ?), corrected view. */
function rawSumsSql(q: ExportQuery): string {
  return `
    SELECT e.site AS site, j.standard_id AS standardId, j.standard_version AS version,
      SUM(CASE WHEN lc.action = 'void' THEN 0 WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".met'), j.met) ELSE j.met END) AS met,
      SUM(CASE WHEN lc.action = 'void' THEN 0 WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".counted'), j.counted) ELSE j.counted END) AS counted,
      SUM(CASE WHEN lc.action = 'void' THEN 1 ELSE 0 END) AS voided,
      SUM(CASE WHEN lc.action = 'amend' THEN 1 ELSE 0 END) AS amended
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(seq) FROM audit_corrections WHERE event_seq = e.seq)
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${siteFilter(q, 'e')} ${standardFilter(q, 'j.standard_id')}
    GROUP BY e.site, j.standard_id, j.standard_version`;
}

/** Σmet / Σcounted per site × standard over [from, to) ∩ the range, corrected view (voids out, amendments re-judged). */
export function correctedSums(reader: Database.Database, fromMs: number, toMs: number, q: ExportQuery): Sums[] {
  return reader.prepare(`${rawSumsSql(q)} ORDER BY e.site, j.standard_id, j.standard_version`).all(fromMs, toMs, ...q.sites, ...q.standards) as Sums[];
}

/** One SQL part of a period's sums: its SELECT (site, standardId, version, met, counted, voided, amended) and arguments. */
type Part = { sql: string; args: unknown[] };

/**
 * The parts of [from, to) before the retention cutoff (to ≤ cutoff), which only the rollups still hold: the
 * span on their grid from rollup_15m / rollup_minute (met, counted, and every version that judged an event
 * there: a rollup row stays when a void takes its counts back to zero), voided/amended from pruned_corrections
 * plus the corrections of events stored there after pruning (back-dated), and the edges off the grid from
 * what is still stored. Read exactly as GET /compliance reads the same range (splitRange).
 */
function rollupParts(fromMs: number, toMs: number, q: ExportQuery): Part[] {
  const split = splitRange(fromMs, toMs, [fromMs, toMs]);
  const raw = (r: { fromMs: number; toMs: number }): Part => ({ sql: rawSumsSql(q), args: [r.fromMs, r.toMs, ...q.sites, ...q.standards] });
  const parts = split.raw.map(raw);
  if (!split.rollup) return parts;
  const span = split.rollup;
  // Sites and standards through their own tables when not filtered, so the reads seek the keys (site or standard first).
  const sites = q.sites.length ? `site IN (${q.sites.map(() => '?').join(', ')})` : 'site IN (SELECT name FROM sites)';
  const standards = q.standards.length ? `standard_id IN (${q.standards.map(() => '?').join(', ')})` : 'standard_id IN (SELECT id FROM standards)';
  const keyed = (table: string, sums: string): Part => ({
    sql: `SELECT site, standard_id AS standardId, standard_version AS version, ${sums} FROM ${table}
      WHERE ${standards} AND ${sites} AND bucket_ms >= ? AND bucket_ms < ? GROUP BY site, standard_id, standard_version`,
    args: [...q.standards, ...q.sites, span.fromMs, span.toMs],
  });
  const stored = raw(span);
  return [
    ...parts,
    keyed(span.source, 'SUM(met) AS met, SUM(counted) AS counted, 0 AS voided, 0 AS amended'),
    keyed('pruned_corrections', '0 AS met, 0 AS counted, SUM(voided) AS voided, SUM(amended) AS amended'),
    { sql: `SELECT site, standardId, version, 0 AS met, 0 AS counted, voided, amended FROM (${stored.sql})`, args: stored.args },
  ];
}

/** Sums of a period piece: raw judgements after the retention cutoff, the rollups' parts before it. */
function periodSums(reader: Database.Database, fromMs: number, toMs: number, q: ExportQuery, horizon: RetentionHorizon | null): Sums[] {
  const cut = horizon === null ? fromMs : Math.min(toMs, Math.max(fromMs, horizon.prunedBeforeMs));
  if (cut === fromMs) return correctedSums(reader, fromMs, toMs, q);
  const parts = [...rollupParts(fromMs, cut, q), ...(cut < toMs ? [{ sql: rawSumsSql(q), args: [cut, toMs, ...q.sites, ...q.standards] }] : [])];
  const sql = `SELECT site, standardId, version, SUM(met) AS met, SUM(counted) AS counted, SUM(voided) AS voided, SUM(amended) AS amended
    FROM (${parts.map((p) => p.sql).join('\n UNION ALL ')}) GROUP BY site, standardId, version ORDER BY site, standardId, version`;
  return reader.prepare(sql).all(...parts.flatMap((p) => p.args)) as Sums[];
}

/** The pieces of each period clipped to the range. */
const periodPieces = (q: ExportQuery) =>
  periodBounds(q.fromMs, q.toMs, q.timeZone, q.period).map((p) => ({ label: p.label, fromMs: Math.max(p.start, q.fromMs), toMs: Math.min(p.end, q.toMs) }));

/** What the compliance rows lack: the edges off the rollup grid of period pieces before the retention cutoff. */
function missingCounts(q: ExportQuery, horizon: RetentionHorizon | null): MissingRange[] {
  if (!horizon) return [];
  return periodPieces(q).flatMap((p) => {
    const cut = Math.min(p.toMs, horizon.prunedBeforeMs);
    return p.fromMs < cut ? prunedParts('counts', splitRange(p.fromMs, cut, [p.fromMs, cut]).raw, horizon) : [];
  });
}

export function* complianceRows(reader: Database.Database, q: ExportQuery, horizon: RetentionHorizon | null = retentionHorizon(reader)): Generator<ComplianceRow> {
  for (const p of periodPieces(q)) {
    const byKey = new Map<string, ComplianceRow>();
    for (const s of periodSums(reader, p.fromMs, p.toMs, q, horizon)) {
      const key = `${s.site}\u0000${s.standardId}`;
      let row = byKey.get(key);
      if (!row) byKey.set(key, (row = { period: p.label, start: p.fromMs, end: p.toMs, site: s.site, standardId: s.standardId, numerator: 0, denominator: 0, versions: [], voided: 0, amended: 0 }));
      row.numerator += s.met;
      row.denominator += s.counted;
      row.voided += s.voided;
      row.amended += s.amended;
      row.versions.push(s.version);
    }
    yield* byKey.values();
  }
}

export function complianceExport(q: ExportQuery, ctx: ExportContext): ExportBody<ComplianceRow> {
  const r = ctx.reader;
  const chainHead = head(r);
  const horizon = retentionHorizon(r);
  const retention = retentionNote(horizon, q.fromMs, missingCounts(q, horizon));
  const versions = standardVersions(r);
  const involved = new Set<string>();
  const latestOf = (id: string, atMs: number) => {
    let found: VersionInfo | undefined;
    for (const v of versions) if (v.id === id && (v.validFromMs === null || v.validFromMs < atMs)) found = v;
    return found ?? versions.find((v) => v.id === id);
  };
  function* rows() {
    for (const row of complianceRows(r, q, horizon)) {
      for (const v of row.versions) involved.add(`${row.standardId}@${v}`);
      yield row;
    }
  }
  return {
    kind: 'compliance',
    columns: COMPLIANCE_COLUMNS,
    header: { ...baseHeader('compliance', q, ctx, chainHead), period: q.period, ...(retention ? { retention } : {}) },
    rows: rows(),
    toRecord(row) {
      // Target and formula: the version in force at the end of the period (the one a reader checks against).
      const v = latestOf(row.standardId, row.end);
      const ratio = row.denominator === 0 ? null : row.numerator / row.denominator;
      return {
        period: row.period,
        period_start: new Date(row.start).toISOString(),
        period_end: new Date(row.end).toISOString(),
        time_zone: q.timeZone,
        site: row.site,
        standard_id: row.standardId,
        standard_name: v?.name ?? row.standardId,
        formula: v?.formula ?? null,
        numerator: row.numerator,
        denominator: row.denominator,
        ratio,
        target: v?.target ?? null,
        met_target: ratio === null || v === undefined ? 'n/a' : ratio >= v.target ? 'yes' : 'no',
        versions: row.versions.join(' '),
        voided: row.voided,
        amended: row.amended,
      };
    },
    manifest: ({ rowCount, dataSha256 }) => ({
      ...baseHeader('compliance', q, ctx, chainHead),
      period: q.period,
      rowCount,
      dataSha256,
      dataHashCovers: hashDefinition(ctx.format),
      standardVersions: [...involved].sort(),
      figures: 'corrected view: voided events are excluded, amended events count with their re-judged values (docs/audit.md)',
      ...(retention ? { retention } : {}),
    }),
  };
}

// ---------------------------------------------------------------------------------------------- alerts

export const ALERT_COLUMNS: readonly Column[] = [
  { key: 'alert_id', type: 'integer' },
  { key: 'kind', type: 'text' },
  { key: 'severity', type: 'text' },
  { key: 'standard_id', type: 'text' },
  { key: 'standard_version', type: 'integer' },
  { key: 'site', type: 'text' },
  { key: 'target', type: 'number' },
  { key: 'started_at', type: 'text' },
  { key: 'ended_at', type: 'text' },
  { key: 'duration_seconds', type: 'number' },
  { key: 'end_reason', type: 'text' },
  { key: 'acknowledged_at', type: 'text' },
  { key: 'acknowledged_by', type: 'text' },
  { key: 'message', type: 'text' },
];

export function alertsExport(q: ExportQuery, ctx: ExportContext): ExportBody<Record<string, any>> {
  const r = ctx.reader;
  const chainHead = head(r);
  const sql = `
    SELECT a.*, n.at_ms AS next_at_ms, n.state AS next_state, k.at_ms AS ack_at_ms, k.by AS ack_by
    FROM alerts a LEFT JOIN alerts n ON n.previous_id = a.id LEFT JOIN alert_acks k ON k.alert_id = a.id
    WHERE a.state = 'firing' AND a.at_ms < ? AND (n.at_ms IS NULL OR n.at_ms >= ?) ${q.sites.length ? `AND a.site IN (${q.sites.map(() => '?').join(', ')})` : ''}
      ${q.standards.length ? `AND a.standard_id IN (${q.standards.map(() => '?').join(', ')})` : ''}
    ORDER BY a.id`;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    kind: 'alerts',
    columns: ALERT_COLUMNS,
    header: baseHeader('alerts', q, ctx, chainHead),
    rows: r.prepare(sql).iterate(q.toMs, q.fromMs, ...q.sites, ...q.standards) as Iterable<Record<string, any>>,
    toRecord: (a) => ({
      alert_id: a.id,
      kind: a.kind,
      severity: a.severity,
      standard_id: a.standard_id,
      standard_version: a.standard_version,
      site: a.site ?? '(all sites)',
      target: a.target,
      started_at: iso(a.at_ms),
      ended_at: iso(a.next_at_ms),
      duration_seconds: a.next_at_ms === null ? null : (a.next_at_ms - a.at_ms) / 1000,
      end_reason: a.next_at_ms === null ? 'active' : a.next_state === 'recovered' ? 'recovered' : 'superseded',
      acknowledged_at: iso(a.ack_at_ms),
      acknowledged_by: a.ack_by,
      message: a.message,
    }),
    manifest: ({ rowCount, dataSha256 }) => ({ ...baseHeader('alerts', q, ctx, chainHead), rowCount, dataSha256, dataHashCovers: hashDefinition(ctx.format), standardVersions: [] }),
  };
}

// ------------------------------------------------------------------------------------------- audit log

export const AUDIT_LOG_COLUMNS: readonly Column[] = [
  { key: 'seq', type: 'integer' },
  { key: 'at', type: 'text' },
  { key: 'at_ms', type: 'integer' },
  { key: 'key_id', type: 'text' },
  { key: 'action', type: 'text' },
  { key: 'target', type: 'text' },
  { key: 'details', type: 'text' },
  { key: 'link_seq', type: 'integer' },
  { key: 'link_prev', type: 'text' },
  { key: 'link_hash', type: 'text' },
];

export function auditLogExport(q: ExportQuery, ctx: ExportContext): ExportBody<Record<string, any>> {
  const r = ctx.reader;
  const chainHead = head(r);
  const sql = `SELECT l.*, c.seq AS link_seq, c.hash AS link_hash, p.hash AS link_prev FROM audit_log l
    LEFT JOIN audit_chain c ON c.kind = 'audit' AND c.key_int = l.seq LEFT JOIN audit_chain p ON p.seq = c.seq - 1
    WHERE l.at_ms >= ? AND l.at_ms < ? AND (c.seq IS NULL OR c.seq <= ?) ORDER BY l.seq`;
  return {
    kind: 'audit-log',
    columns: AUDIT_LOG_COLUMNS,
    header: baseHeader('audit-log', q, ctx, chainHead),
    rows: r.prepare(sql).iterate(q.fromMs, q.toMs, chainHead.seq) as Iterable<Record<string, any>>,
    toRecord: (l) => ({
      seq: l.seq,
      at: new Date(l.at_ms).toISOString(),
      at_ms: l.at_ms,
      key_id: l.key_id,
      action: l.action,
      target: l.target,
      details: l.details,
      link_seq: l.link_seq,
      link_prev: l.link_seq === null ? null : (l.link_prev ?? GENESIS_HASH),
      link_hash: l.link_hash,
    }),
    manifest: ({ rowCount, dataSha256 }) => ({ ...baseHeader('audit-log', q, ctx, chainHead), rowCount, dataSha256, dataHashCovers: hashDefinition(ctx.format), standardVersions: [] }),
  };
}
