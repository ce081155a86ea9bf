// What every export body reads from: one snapshot of the store, the compliance reader over that snapshot, and the
// header every export starts with.
import { DomainError, QUERY_PARAMETER } from '../../domain/errors';
import { standingAsOf } from '../../domain/standardVersions';
import type { StoredStandardVersion, Snapshot } from '../../store/port';
import type { ComplianceReader } from '../compliance';
import { ENV_KEY } from '../keys';
import type { Column, ExportBody, TrailerRecord } from './format';
import { filtersOf, type ExportKind, type ExportQuery } from './query';


/** The past chain head an export is reproduced at (asOf): its link and when it was written. */
export interface AsOf {
  seq: number;
  hash: string;
  atMs: number;
}

export interface ExportContext {
  snapshot: Snapshot;
  /** The head the export is made at: the store's, or the asOf link. */
  head: { seq: number; hash: string };
  /** Set when the export reproduces a past head; its time is the export's generatedAt. */
  asOf: AsOf | null;
  /** The compliance reader over the same snapshot. */
  compliance: ComplianceReader;
  /** The snapshot's stored standard versions, read once for the whole export: several of its parts name them. */
  storedStandards: () => Promise<readonly StoredStandardVersion[]>;
  serverVersion: string;
  nowMs: number;
  format: string;
  /** Called between periods and rows: yields the event loop a turn now and then, throws ClientGone once the client left (format.ts pacer). */
  pace: () => Promise<void>;
}

export interface VersionInfo {
  id: string;
  version: number;
  name: string;
  formula: string;
  target: number;
  validFromMs: number | null;
  definition: Record<string, unknown>;
}

const versionInfo = (r: StoredStandardVersion): VersionInfo => {
  // Versions stored before a field existed lack it: the defaults are what those versions meant.
  const d = r.definition as unknown as Record<string, unknown>;
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);
  return { id: r.id, version: r.version, name: text(d.name, r.id), formula: text(d.formula, 'F3'), target: Number(d.target ?? 0), validFromMs: r.validFromMs, definition: d };
};

/**
 * The versions that were or are to be in force as of link `linkSeq` (now, by default): a withdrawn one never took
 * effect (its record is still chained), but an export as of a link before its withdrawal lists it as it was then.
 */
export async function standardVersions(ctx: ExportContext, linkSeq = Infinity): Promise<VersionInfo[]> {
  return (await ctx.storedStandards()).filter((r) => standingAsOf(r, linkSeq)).map(versionInfo);
}

export function baseHeader(kind: ExportKind | 'report', q: ExportQuery, ctx: ExportContext, chainHead: { seq: number; hash: string }) {
  return {
    kind,
    format: ctx.format,
    generatedAt: new Date(ctx.nowMs).toISOString(),
    serverVersion: `ringside/${ctx.serverVersion}`,
    filters: filtersOf(kind, q),
    timeZone: q.timeZone,
    chainHead,
    ...(ctx.asOf ? { asOf: ctx.asOf.seq } : {}),
  };
}

/**
 * Key names by id, as manifests name requesters (one rule for every export that names a key: the audit log's
 * `key_name`, an event row's `correction_key_name` and its `# correction` line's `keyName`): the environment key by
 * its variable; a key no longer stored, anonymous, system: none.
 */
export async function keyNames(ctx: ExportContext): Promise<(id: string) => string | null> {
  const names = new Map((await ctx.snapshot.keys.list()).map((k) => [k.id, k.name]));
  return (id) => (id === ENV_KEY.id ? ENV_KEY.name : (names.get(id) ?? null));
}

const dayIso = (ms: number) => new Date(ms).toISOString();

/**
 * The head an export is made at: the store's now, or the past link `asOf` names. A past head must exist, and what
 * its export needs must still be stored: retention deletes events and milestones before its cutoff, so a range
 * reaching before it cannot be reproduced (`needsEvents`: the kinds that read them).
 */
export async function exportHead(q: ExportQuery, snapshot: Snapshot, needsEvents: boolean): Promise<{ head: { seq: number; hash: string }; asOf: AsOf | null }> {
  const head = await snapshot.audit.head();
  if (q.asOf === null) return { head, asOf: null };
  if (q.asOf > head.seq) throw new DomainError('invalid', 'asOf', `link ${q.asOf} is after the chain head (link ${head.seq})`, undefined, QUERY_PARAMETER);
  const link = await snapshot.chain.link(q.asOf);
  if (!link) throw new DomainError('invalid', 'asOf', `link ${q.asOf} is not in the chain`, undefined, QUERY_PARAMETER);
  const horizon = needsEvents ? await snapshot.audit.horizon() : null;
  if (horizon && q.fromMs < horizon.prunedBeforeMs) {
    throw new DomainError('invalid', 'asOf', `link ${q.asOf} cannot be reproduced for a range starting before the retention cutoff ${dayIso(horizon.prunedBeforeMs)} (checkpoint ${horizon.checkpointSeq}): the events it needs were pruned; start the range at or after the cutoff`, undefined, QUERY_PARAMETER);
  }
  return { head: { seq: link.seq, hash: link.hash }, asOf: link };
}

/** The standard versions chained by the export's head (all of them without asOf). */
export async function standardVersionsAt(ctx: ExportContext): Promise<VersionInfo[]> {
  const all = await standardVersions(ctx, ctx.asOf?.seq);
  if (!ctx.asOf) return all;
  const later = new Set(await ctx.snapshot.chain.refsBetween('standard', ctx.asOf.seq, Number.MAX_SAFE_INTEGER));
  return all.filter((v) => !later.has(`${v.id}@${v.version}`));
}

export function hashDefinition(format: string): string {
  if (format === 'csv') return 'SHA-256 of the data records exactly as written (UTF-8, each ending in CRLF); the header row and # lines excluded';
  return 'SHA-256 of each data row as compact JSON (UTF-8) followed by "\\n", concatenated in file order';
}

/**
 * What was chained after the period ended that touches it: events of the range stored after its end (back-dated or
 * late), corrections of its events, standard versions in force in it (valid from before its end) created after it.
 * `sinceSeq`: the last link written before the range's end. Counted up to the export's head; null when nothing.
 */
export interface Restatements {
  sinceSeq: number;
  events: number;
  corrections: number;
  standardVersions: number;
}

/**
 * The last link written before `atMs` (0: none), by bisection over seq: links are appended in time order (each
 * write's clock), so a few primary-key reads find it whatever the chain's length, where a scan by time would read it
 * all (there is no index on the link time).
 */
async function lastLinkBefore(ctx: ExportContext, atMs: number): Promise<number> {
  let lo = 0;
  let hi = ctx.head.seq;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const link = await ctx.snapshot.chain.link(mid);
    if (link !== null && link.atMs < atMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export async function restatementsOf(q: ExportQuery, ctx: ExportContext): Promise<Restatements | null> {
  const sinceSeq = await lastLinkBefore(ctx, q.toMs);
  // Nothing chained before the end (a store filled later, an import): there was no earlier copy to restate.
  if (sinceSeq === 0 || sinceSeq >= ctx.head.seq) return null;
  const { events, corrections } = await ctx.snapshot.exports.restated(q, sinceSeq, ctx.head.seq);
  const refs = new Set(await ctx.snapshot.chain.refsBetween('standard', sinceSeq, ctx.head.seq));
  const versions = (await standardVersions(ctx)).filter(
    (v) => refs.has(`${v.id}@${v.version}`) && (v.validFromMs === null || v.validFromMs < q.toMs) && (q.standards.length === 0 || q.standards.includes(v.id)),
  );
  if (events + corrections + versions.length === 0) return null;
  return { sinceSeq, events, corrections, standardVersions: versions.length };
}

/**
 * How incident changes and alert records came to be (first line and manifest of their exports): written by the live
 * evaluation while a server ran, never recomputed from the events. An empty period is not "no breach" unless the
 * server was evaluating then, and which intervals it was not is not recorded.
 */
export function liveEvaluation(history: 'incidents' | 'alerts'): Record<string, unknown> {
  const since = history === 'alerts' ? 'written by the live alert evaluation until incidents replaced alerts (migration 10); none since. ' : 'written by the live evaluation (after stored batches and on a timer) while a server ran. ';
  return {
    evaluation: {
      basis: 'live',
      covers: `${since}Not recomputed from the events: events stored late or corrected afterwards, and times when no server was running, were never evaluated; those intervals are not recorded (docs/audit.md "Alerts and incidents: evaluation basis")`,
    },
  };
}

/** The chain proof of an export whose rows carry no chain of their own: the links from `since` to the head. */
export interface HeadProof {
  links: (() => AsyncIterable<Record<string, unknown>>) | undefined;
  proof: { fromLinkSeq: number; toLinkSeq: number } | null;
}

/**
 * The links from link `since` (a head the auditor published, and kept) to the export's head: the verifier
 * recomputes each from the one before, so reaching the signed head proves the published one is its ancestor. Only
 * digests of other records, and as many links as were written since that head.
 */
export function headProof(q: ExportQuery, ctx: ExportContext, chainHead: { seq: number }): HeadProof {
  const since = q.since;
  if (since === null) return { links: undefined, proof: null };
  if (since > chainHead.seq) {
    // With asOf, the head the export is made at is that past link, not the chain's head now.
    const head = q.asOf === null ? `the chain head (link ${chainHead.seq})` : `asOf (link ${chainHead.seq}), the head this export is made at`;
    throw new DomainError('invalid', 'since', `link ${since} is after ${head}`, undefined, QUERY_PARAMETER);
  }
  return { links: () => ctx.snapshot.chain.linksBetween(since, chainHead.seq), proof: { fromLinkSeq: since, toLinkSeq: chainHead.seq } };
}

/**
 * What an export's completeness rests on (manifest `completeness`, docs/audit.md "Completeness"): the tags of the
 * chain links of its proof range say which links the filters select, and each of those must be a row. The outcome
 * filter is not in the tags, so it is named as not proven. null without a proof.
 */
export function completenessBasis(q: ExportQuery, proof: { fromLinkSeq: number; toLinkSeq: number } | null) {
  if (!proof) return null;
  return { basis: 'chain link tags', fromLinkSeq: proof.fromLinkSeq, toLinkSeq: proof.toLinkSeq, notProven: q.outcomes.length ? ['outcomes'] : [] };
}

/**
 * The body of an export whose rows are already records and that names no standard versions (alerts, the audit
 * log, incidents): the common header, the rows as they are, and the manifest after them.
 */
export function recordsExport(
  kind: ExportKind,
  columns: readonly Column[],
  q: ExportQuery,
  ctx: ExportContext,
  chainHead: { seq: number; hash: string },
  rows: AsyncIterable<Record<string, unknown>>,
  notes: Record<string, unknown> = {},
): ExportBody<Record<string, unknown>> {
  const { links, proof } = headProof(q, ctx, chainHead);
  // Milestone links carry what the milestone export filters on; the other kinds' rows are not chained by filter.
  const completeness = kind === 'milestones' ? completenessBasis(q, proof) : null;
  return {
    kind,
    columns,
    header: { ...baseHeader(kind, q, ctx, chainHead), ...notes },
    rows,
    toRecord: (row) => row,
    ...(links ? { links } : {}),
    manifest: ({ rowCount, dataSha256 }) => ({ ...baseHeader(kind, q, ctx, chainHead), rowCount, dataSha256, dataHashCovers: hashDefinition(ctx.format), standardVersions: [], ...notes, ...(proof ? { proof } : {}), ...(completeness ? { completeness } : {}) }),
  };
}

/**
 * Every version of these standards chained up to link `head` (the export's; a later version did not exist as of it)
 * and standing as of it (a version withdrawn by then never took effect) as chained records with their links
 * (`# standard` lines): the verifier checks each against its link, and each row's formula, threshold or target
 * against the version it names or that was in force, so a withdrawn one must not be among them.
 */
export async function* standardRecordLines(ctx: ExportContext, ids: Iterable<string>, head: number): AsyncGenerator<TrailerRecord> {
  const withdrawn = new Set((await ctx.storedStandards()).filter((r) => !standingAsOf(r, head)).map((r) => `${r.id}@${r.version}`));
  for (const r of await ctx.snapshot.exports.standardRecords([...new Set(ids)].sort())) {
    if (r.link.seq <= head && !withdrawn.has(`${String(r.record['id'])}@${String(r.record['version'])}`)) yield { name: 'standard', value: { ...r } };
  }
}
