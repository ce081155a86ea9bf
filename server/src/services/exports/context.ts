// What every export body reads from: one snapshot of the store, the compliance reader over that snapshot, and the
// header every export starts with.
import { DomainError } from '../../domain/errors';
import type { StoredStandardVersion, Snapshot } from '../../store/port';
import type { ComplianceReader } from '../compliance';
import type { Column, ExportBody, TrailerRecord } from './format';
import { filtersOf, type ExportQuery } from './query';

export interface ExportContext {
  snapshot: Snapshot;
  /** The compliance reader over the same snapshot. */
  compliance: ComplianceReader;
  serverVersion: string;
  nowMs: number;
  format: string;
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

export async function standardVersions(snapshot: Snapshot): Promise<VersionInfo[]> {
  return (await snapshot.standards.all()).map(versionInfo);
}

export function baseHeader(kind: string, q: ExportQuery, ctx: ExportContext, chainHead: { seq: number; hash: string }) {
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

export function hashDefinition(format: string): string {
  if (format === 'csv') return 'SHA-256 of the data records exactly as written (UTF-8, each ending in CRLF); the header row and # lines excluded';
  return 'SHA-256 of each data row as compact JSON (UTF-8) followed by "\\n", concatenated in file order';
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
  if (since > chainHead.seq) throw new DomainError('invalid', 'since', `link ${since} is after the chain head (link ${chainHead.seq})`);
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
export function recordsExport(kind: string, columns: readonly Column[], q: ExportQuery, ctx: ExportContext, chainHead: { seq: number; hash: string }, rows: AsyncIterable<Record<string, unknown>>): ExportBody<Record<string, unknown>> {
  const { links, proof } = headProof(q, ctx, chainHead);
  // Milestone links carry what the milestone export filters on; the other kinds' rows are not chained by filter.
  const completeness = kind === 'milestones' ? completenessBasis(q, proof) : null;
  return {
    kind,
    columns,
    header: baseHeader(kind, q, ctx, chainHead),
    rows,
    toRecord: (row) => row,
    ...(links ? { links } : {}),
    manifest: ({ rowCount, dataSha256 }) => ({ ...baseHeader(kind, q, ctx, chainHead), rowCount, dataSha256, dataHashCovers: hashDefinition(ctx.format), standardVersions: [], ...(proof ? { proof } : {}), ...(completeness ? { completeness } : {}) }),
  };
}

/**
 * Every version of these standards as chained records with their links (`# standard` lines): the verifier checks
 * each against its link, and each row's formula, threshold or target against the version it names or that was in
 * force.
 */
export async function* standardRecordLines(snapshot: Snapshot, ids: Iterable<string>): AsyncGenerator<TrailerRecord> {
  for (const r of await snapshot.exports.standardRecords([...new Set(ids)].sort())) yield { name: 'standard', value: { ...r } };
}
