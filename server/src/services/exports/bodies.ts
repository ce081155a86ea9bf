// The compliance, alerts and audit-log exports (the event export: events.ts). Each reads one snapshot, so rows,
// proof links, chain head and retention cutoff agree.
import type { MissingRange } from '../../protocol';
import { GENESIS_HASH } from '../../domain/chain';
import { prunedParts, retentionNote, type RetentionHorizon } from '../../domain/retention';
import { localParts, nextPeriodStart, periodStart } from '../../domain/zonedTime';
import type { AuditLogExportRow } from '../../store/port';
import { missingSums, siteSumsOf, type SiteSums } from '../compliance';
import { correctedJudgements, type CorrectedJudgement } from './events';
import { baseHeader, hashDefinition, headProof, keyNames, liveEvaluation, recordsExport, restatementsOf, standardRecordLines, standardVersionsAt, type ExportContext, type VersionInfo } from './context';
import type { Column, ExportBody } from './format';
import type { ExportQuery, Period } from './query';
import { disagreementNote, recounted, type RollupCheck } from './rollupCheck';

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
export const periodPieces = (q: ExportQuery) =>
  periodBounds(q.fromMs, q.toMs, q.timeZone, q.period).map((p) => ({ label: p.label, fromMs: Math.max(p.start, q.fromMs), toMs: Math.min(p.end, q.toMs) }));

/** The version in force at the end of a period (the one a reader checks the figure against). */
function versionAt(versions: readonly VersionInfo[], id: string, atMs: number): VersionInfo | undefined {
  let found: VersionInfo | undefined;
  for (const v of versions) if (v.id === id && (v.validFromMs === null || v.validFromMs < atMs)) found = v;
  return found ?? versions.find((v) => v.id === id);
}

/**
 * The rows of every period (site × standard), from the compliance reader over the export's snapshot, read a period
 * at a time as they are written (ctx.pace between periods: other requests are served meanwhile, and a client that
 * went away stops the reads). `recount`: the rollup rows differ from their judgements (rollupCheck.ts), so the
 * judgements are read instead.
 */
async function* complianceRows(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[], horizon: RetentionHorizon | null, recount: boolean): AsyncGenerator<ComplianceRow> {
  if (ctx.asOf) return yield* await complianceRowsAsOf(q, ctx, standardIds);
  for (const p of periodPieces(q)) {
    await ctx.pace();
    const sums = await ctx.compliance.siteSums({ standardIds: q.standards.length ? q.standards : standardIds, fromMs: p.fromMs, toMs: p.toMs, sites: q.sites }, horizon, recount);
    for (const r of sums.rows) yield { ...r, period: p.label, start: p.fromMs, end: p.toMs };
  }
}

/** When the range reaches before the retention cutoff, what the live rows lack (edges off the rollup grid there). */
const missingOf = (q: ExportQuery, ctx: ExportContext, horizon: RetentionHorizon | null): MissingRange[] =>
  ctx.asOf || horizon === null ? [] : periodPieces(q).flatMap((p) => prunedParts('counts', missingSums(p, horizon), horizon));

/**
 * The rows as of a past head: summed from the judgements in their corrected state as of then (the rollups hold
 * today's sums and cannot be rewound), per period piece, with the same per-site sums as the live rows.
 */
async function complianceRowsAsOf(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[]): Promise<ComplianceRow[]> {
  const pieces = periodPieces(q);
  const wanted = new Set(q.standards.length ? q.standards : standardIds);
  const byPiece = pieces.map(() => [] as CorrectedJudgement[]);
  for await (const j of correctedJudgements(q, ctx)) {
    const i = pieceOf(pieces, j.occurredAtMs);
    if (i >= 0 && wanted.has(j.standardId)) byPiece[i]!.push(j);
  }
  return pieces.flatMap((p, i) => siteSumsOf(byPiece[i]!).map((r) => ({ ...r, period: p.label, start: p.fromMs, end: p.toMs })));
}

/** The index of the piece holding `ms` (pieces in order, adjacent), or -1. */
function pieceOf(pieces: ReadonlyArray<{ fromMs: number; toMs: number }>, ms: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ms < pieces[mid]!.fromMs) hi = mid - 1;
    else if (ms >= pieces[mid]!.toMs) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * The compliance export. `check`: its rollup rows against their judgements (rollupCheck.ts; null as of a past head,
 * whose rows are recomputed from the judgements anyway): when any differs, the rows are recounted from the
 * judgements and the first line and the manifest say which rows differ.
 */
export async function complianceExport(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[], check: RollupCheck | null): Promise<ExportBody<ComplianceRow>> {
  const chainHead = ctx.head;
  const horizon = await ctx.snapshot.audit.horizon();
  const retention = retentionNote(horizon, q.fromMs, missingOf(q, ctx, horizon));
  const restatements = await restatementsOf(q, ctx);
  const notes = { ...disagreementNote(check), ...(retention ? { retention } : {}), ...(restatements ? { restatements } : {}) };
  const { links, proof } = headProof(q, ctx, chainHead);
  const versions = await standardVersionsAt(ctx);
  // Known once the rows are written, before the records and the manifest.
  const involved = new Set<string>();
  const named = new Set<string>();
  async function* rows() {
    for await (const row of complianceRows(q, ctx, standardIds, horizon, recounted(check))) {
      named.add(row.standardId);
      for (const v of row.versions) involved.add(`${row.standardId}@${v}`);
      yield row;
    }
  }
  return {
    kind: 'compliance',
    columns: COMPLIANCE_COLUMNS,
    header: { ...baseHeader('compliance', q, ctx, chainHead), period: q.period, ...notes },
    rows: rows(),
    records: () => standardRecordLines(ctx, named, chainHead.seq),
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
      standardVersions: [...involved].sort(),
      figures: 'corrected view: voided events are excluded, amended events count with their re-judged values (docs/audit.md)',
      ...notes,
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

/** Who acknowledged an alert, and when (not yet, as of a past head before it). */
function acknowledgement(a: { acknowledgedAt: string | null; acknowledgedBy: string | null }, ctx: ExportContext) {
  const later = ctx.asOf !== null && a.acknowledgedAt !== null && Date.parse(a.acknowledgedAt) > ctx.asOf.atMs;
  return { acknowledged_at: later ? null : a.acknowledgedAt, acknowledged_by: later ? null : a.acknowledgedBy };
}

export function alertsExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = ctx.head;
  async function* rows() {
    for await (const r of ctx.snapshot.exports.alertRows(q)) {
      const a = r.alert;
      const startedMs = Date.parse(a.at);
      // Alert records are not chained: as of a past head, those recorded after its time are left out (recorded live).
      const endedAtMs = ctx.asOf && r.endedAtMs !== null && r.endedAtMs > ctx.asOf.atMs ? null : r.endedAtMs;
      if (ctx.asOf && startedMs > ctx.asOf.atMs) continue;
      yield {
        alert_id: a.id,
        kind: a.kind,
        severity: a.severity,
        standard_id: a.standardId,
        standard_version: a.standardVersion,
        site: a.site ?? '(all sites)',
        target: a.target,
        started_at: a.at,
        ended_at: iso(endedAtMs),
        duration_seconds: endedAtMs === null ? null : (endedAtMs - startedMs) / 1000,
        end_reason: endedAtMs === null ? 'active' : r.endState === 'recovered' ? 'recovered' : 'superseded',
        ...acknowledgement(a, ctx),
        message: a.message,
      };
    }
  }
  return Promise.resolve(recordsExport('alerts', ALERT_COLUMNS, q, ctx, chainHead, rows(), liveEvaluation('alerts')));
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
  // Added after the columns above: the key's name (as requestedBy.keyName in manifests), and why the row is here.
  { key: 'key_name', type: 'text' },
  { key: 'included', type: 'text' },
];

/**
 * Why an entry logged after the range affects it: a standard change whose version is in force in the range (valid
 * from before its end, or from the beginning) — the figures of events judged late in the range use it. null: not.
 */
function affectsRange(l: AuditLogExportRow, versions: readonly VersionInfo[], q: ExportQuery): string | null {
  if (!l.action.startsWith('standard.') || l.target === null) return null;
  const version = (JSON.parse(l.details) as { version?: unknown }).version;
  const v = versions.find((x) => x.id === l.target && x.version === version);
  if (!v || (v.validFromMs !== null && v.validFromMs >= q.toMs)) return null;
  return `affects the range: standard ${v.id} version ${v.version} is in force in it (valid from ${v.validFromMs === null ? 'the beginning' : iso(v.validFromMs)})`;
}

/**
 * The audit log, proved to the export's head by default: its rows are chain records, so the links from the first
 * row's link (or from `since`, if earlier) to the head follow it as `# link` lines, and the verifier finds every row
 * and a head published after the period among them. `proof=none` leaves them out (`since` still adds its own).
 * After the range's entries, the later ones that affect it (affectsRange), each row saying why it is included.
 */
export async function auditLogExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = ctx.head;
  headProof(q, ctx, chainHead); // refuses a `since` after the head
  const nameOf = await keyNames(ctx);
  const versions = await standardVersionsAt(ctx);
  let first = Infinity;
  const record = (l: AuditLogExportRow, included: string) => {
    if (l.link !== null && q.proof !== 'none') first = Math.min(first, l.link.seq);
    return {
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
      key_name: nameOf(l.keyId),
      included,
    };
  };
  async function* rows() {
    for await (const l of ctx.snapshot.exports.auditLogRows(q.fromMs, q.toMs, chainHead.seq)) yield record(l, 'in range');
    for await (const l of ctx.snapshot.exports.auditLogRows(q.toMs, Number.MAX_SAFE_INTEGER, chainHead.seq)) {
      const why = affectsRange(l, versions, q);
      if (why) yield record(l, why);
    }
  }
  const body = recordsExport('audit-log', AUDIT_LOG_COLUMNS, { ...q, since: null }, ctx, chainHead, rows());
  // Known once the rows are written, before the links and the manifest.
  const from = () => Math.min(first, q.since ?? Infinity);
  return {
    ...body,
    links: () => (from() === Infinity ? [] : ctx.snapshot.chain.linksBetween(from(), chainHead.seq)),
    manifest: async (done) => ({ ...(await body.manifest(done)), ...(from() === Infinity ? {} : { proof: { fromLinkSeq: from(), toLinkSeq: chainHead.seq } }) }),
  };
}
