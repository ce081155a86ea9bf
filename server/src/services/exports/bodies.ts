// The compliance, alerts and audit-log exports (the event export: events.ts). Each reads one snapshot, so rows,
// proof links, chain head and retention cutoff agree.
import type { MissingRange } from '../../protocol';
import { GENESIS_HASH } from '../../domain/chain';
import { prunedParts, retentionNote } from '../../domain/retention';
import { localParts, nextPeriodStart, periodStart } from '../../domain/zonedTime';
import type { SiteSums } from '../compliance';
import { baseHeader, hashDefinition, headProof, recordsExport, standardRecordLines, standardVersions, type ExportContext, type VersionInfo } from './context';
import type { Column, ExportBody } from './format';
import type { ExportQuery, Period } from './query';

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

export interface ComplianceRow extends SiteSums {
  period: string;
  start: number;
  end: number;
}

/** The pieces of each period clipped to the range. */
const periodPieces = (q: ExportQuery) =>
  periodBounds(q.fromMs, q.toMs, q.timeZone, q.period).map((p) => ({ label: p.label, fromMs: Math.max(p.start, q.fromMs), toMs: Math.min(p.end, q.toMs) }));

/** The version in force at the end of a period (the one a reader checks the figure against). */
function versionAt(versions: readonly VersionInfo[], id: string, atMs: number): VersionInfo | undefined {
  let found: VersionInfo | undefined;
  for (const v of versions) if (v.id === id && (v.validFromMs === null || v.validFromMs < atMs)) found = v;
  return found ?? versions.find((v) => v.id === id);
}

/**
 * The rows of every period (site × standard), from the compliance reader over the export's snapshot; and, when the
 * range reaches before the retention cutoff, what they lack (edges off the rollup grid there).
 */
async function complianceRows(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[]): Promise<{ rows: ComplianceRow[]; missing: MissingRange[] }> {
  const horizon = await ctx.snapshot.audit.horizon();
  const rows: ComplianceRow[] = [];
  const missing: MissingRange[] = [];
  for (const p of periodPieces(q)) {
    const sums = await ctx.compliance.siteSums({ standardIds: q.standards.length ? q.standards : standardIds, fromMs: p.fromMs, toMs: p.toMs, sites: q.sites }, horizon);
    missing.push(...prunedParts('counts', sums.missing, horizon));
    for (const r of sums.rows) rows.push({ ...r, period: p.label, start: p.fromMs, end: p.toMs });
  }
  return { rows, missing };
}

export async function complianceExport(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[]): Promise<ExportBody<ComplianceRow>> {
  const chainHead = await ctx.snapshot.audit.head();
  const horizon = await ctx.snapshot.audit.horizon();
  const { rows, missing } = await complianceRows(q, ctx, standardIds);
  const retention = retentionNote(horizon, q.fromMs, missing);
  const { links, proof } = headProof(q, ctx, chainHead);
  const versions = await standardVersions(ctx.snapshot);
  const involved = [...new Set(rows.flatMap((row) => row.versions.map((v) => `${row.standardId}@${v}`)))].sort();
  return {
    kind: 'compliance',
    columns: COMPLIANCE_COLUMNS,
    header: { ...baseHeader('compliance', q, ctx, chainHead), period: q.period, ...(retention ? { retention } : {}) },
    rows,
    records: () => standardRecordLines(ctx.snapshot, rows.map((r) => r.standardId)),
    ...(links ? { links } : {}),
    toRecord(row) {
      const v = versionAt(versions, row.standardId, row.end);
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
      standardVersions: involved,
      figures: 'corrected view: voided events are excluded, amended events count with their re-judged values (docs/audit.md)',
      ...(retention ? { retention } : {}),
      ...(proof ? { proof } : {}),
    }),
  };
}

// ---------------------------------------------------------------------------------------------- alerts

const ALERT_COLUMNS: readonly Column[] = [
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

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function alertsExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = await ctx.snapshot.audit.head();
  async function* rows() {
    for await (const r of ctx.snapshot.exports.alertRows(q)) {
      const a = r.alert;
      const startedMs = Date.parse(a.at);
      yield {
        alert_id: a.id,
        kind: a.kind,
        severity: a.severity,
        standard_id: a.standardId,
        standard_version: a.standardVersion,
        site: a.site ?? '(all sites)',
        target: a.target,
        started_at: a.at,
        ended_at: iso(r.endedAtMs),
        duration_seconds: r.endedAtMs === null ? null : (r.endedAtMs - startedMs) / 1000,
        end_reason: r.endedAtMs === null ? 'active' : r.endState === 'recovered' ? 'recovered' : 'superseded',
        acknowledged_at: a.acknowledgedAt,
        acknowledged_by: a.acknowledgedBy,
        message: a.message,
      };
    }
  }
  return recordsExport('alerts', ALERT_COLUMNS, q, ctx, chainHead, rows());
}

// ------------------------------------------------------------------------------------------- audit log

const AUDIT_LOG_COLUMNS: readonly Column[] = [
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

/**
 * The audit log, proved to the export's head by default: its rows are chain records, so the links from the first
 * row's link (or from `since`, if earlier) to the head follow it as `# link` lines, and the verifier finds every row
 * and a head published after the period among them. `proof=none` leaves them out (`since` still adds its own).
 */
export async function auditLogExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = await ctx.snapshot.audit.head();
  headProof(q, ctx, chainHead); // refuses a `since` after the head
  let first = Infinity;
  async function* rows() {
    for await (const l of ctx.snapshot.exports.auditLogRows(q.fromMs, q.toMs, chainHead.seq)) {
      if (l.link !== null && q.proof !== 'none') first = Math.min(first, l.link.seq);
      yield {
        seq: l.seq,
        at: new Date(l.atMs).toISOString(),
        at_ms: l.atMs,
        key_id: l.keyId,
        action: l.action,
        target: l.target,
        details: l.details,
        link_seq: l.link?.seq ?? null,
        link_prev: l.link === null ? null : (l.link.prev ?? GENESIS_HASH),
        link_hash: l.link?.hash ?? null,
      };
    }
  }
  const body = recordsExport('audit-log', AUDIT_LOG_COLUMNS, { ...q, since: null }, ctx, chainHead, rows());
  // Known once the rows are written, before the links and the manifest.
  const from = () => Math.min(first, q.since ?? Infinity);
  return {
    ...body,
    links: () => (from() === Infinity ? [] : ctx.snapshot.chain.linksBetween(from(), chainHead.seq)),
    manifest: (done) => ({ ...body.manifest(done), ...(from() === Infinity ? {} : { proof: { fromLinkSeq: from(), toLinkSeq: chainHead.seq } }) }),
  };
}
