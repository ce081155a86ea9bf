// The event export: every event of the range with its judgements (one row each), the correction in force, and the
// chain links of both, then the links between the first exported one and the chain head that the rows do not carry
// (the proof an auditor replays offline), then the manifest.
import { EVENT_ROW, type EventExportRow, type RowSequence } from '../../store/port';
import { correctedVerdict, type CorrectedVerdict } from '../../domain/corrections';
import { prunedParts, retentionNote } from '../../domain/retention';
import { baseHeader, completenessBasis, hashDefinition, keyNames, restatementsOf, standardRecordLines, standardVersions, type ExportContext } from './context';
import { mapRows, type Column, type ExportBody, type TrailerRecord } from './format';
import type { ExportQuery } from './query';

const EVENT_COLUMNS: readonly Column[] = [
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
  // Last (added after the columns above): other types' measures as canonical JSON, part of the event's chain record.
  { key: 'measures', type: 'text' },
  // Then how long serving took, when the integration said (added after the measures).
  { key: 'handle_seconds', type: 'number' },
  // Then the rest of the latest correction's chain record and its link (added after handle_seconds), so the offline
  // verifier rebuilds the record and recomputes result, corrected_met and corrected_counted from it; the key's name
  // (not in the record) says who, when the key still exists.
  { key: 'correction_changes', type: 'text' },
  { key: 'correction_rejudged', type: 'text' },
  { key: 'correction_reason', type: 'text' },
  { key: 'correction_key_id', type: 'text' },
  { key: 'correction_key_name', type: 'text' },
  { key: 'correction_at_ms', type: 'integer' },
  { key: 'correction_link_seq', type: 'integer' },
  { key: 'correction_link_prev', type: 'text' },
  { key: 'correction_link_hash', type: 'text' },
];

/** The judgement's verdict in force (domain/corrections.ts): nothing after a void, the re-judged one after an amendment. */
function corrected(row: EventExportRow, rejudged: (text: string) => Record<string, { met: number; counted: number }>): CorrectedVerdict {
  const action = row[EVENT_ROW.correctionAction] as string | null;
  const latest = action === null ? null : { action, rejudged: action === 'amend' ? rejudged(row[EVENT_ROW.correctionRejudged] as string) : {} };
  return correctedVerdict(row[EVENT_ROW.standardId] as string | null, { met: row[EVENT_ROW.met] as number | null, counted: row[EVENT_ROW.counted] as number | null }, latest);
}

type Rejudged = Record<string, { met: number; counted: number; reason?: string | null }>;
const parseRejudged = (text: string): Rejudged => JSON.parse(text) as Rejudged;

/** The verdict in force with the reason in force (an amendment's re-judged reason): the audit report's registers. */
export function correctedWithReason(row: EventExportRow): { met: number | null; counted: number | null; voided: boolean; reason: string | null } {
  const c = corrected(row, parseRejudged);
  if (c.result === 'voided') return { met: c.met, counted: c.counted, voided: true, reason: null };
  const standardId = row[EVENT_ROW.standardId] as string | null;
  let reason = row[EVENT_ROW.reason] as string | null;
  if (row[EVENT_ROW.correctionAction] === 'amend' && standardId !== null) {
    const j = parseRejudged(row[EVENT_ROW.correctionRejudged] as string)[standardId];
    if (j) reason = j.reason ?? null;
  }
  return { met: c.met, counted: c.counted, voided: false, reason };
}

/** `derived` is one of a handful of JSON arrays ('[]', '["rings"]', …): parse each distinct text once. */
function derivedOf(cache: Map<string, unknown[]>, text: string): unknown[] {
  let v = cache.get(text);
  if (v === undefined) {
    v = JSON.parse(text) as unknown[];
    if (cache.size >= 1000) cache.clear();
    cache.set(text, v);
  }
  return v;
}

/** The export's row (one array reused for every row) from the store's, or null when the outcome filter drops it. */
function rowMapper(outcomes: ReadonlySet<string>, formulaOf: (id: string, version: number) => string | null, keyName: (id: string) => string | null) {
  const out: unknown[] = new Array<unknown>(EVENT_COLUMNS.length).fill(null);
  const derivedCache = new Map<string, unknown[]>();
  const rejudged = (text: string) => JSON.parse(text) as Record<string, { met: number; counted: number }>;
  return (row: EventExportRow): unknown[] | null => {
    const c = corrected(row, rejudged);
    const result = c.result;
    if (outcomes.size > 0 && !outcomes.has(row[7] as string) && !(result !== null && outcomes.has(result))) return null;
    const standardId = row[EVENT_ROW.standardId] as string | null;
    for (let i = 0; i <= EVENT_ROW.content; i += 1) out[i] = row[i];
    out[15] = standardId;
    out[16] = row[EVENT_ROW.standardVersion];
    out[17] = standardId === null ? null : formulaOf(standardId, row[EVENT_ROW.standardVersion] as number);
    const measure = row[EVENT_ROW.measure];
    out[18] = measure;
    out[19] = measure === null ? null : derivedOf(derivedCache, row[13] as string).includes(measure) ? 'derived' : 'measured';
    out[20] = row[EVENT_ROW.value];
    out[21] = row[EVENT_ROW.threshold];
    out[22] = row[EVENT_ROW.met];
    out[23] = row[EVENT_ROW.counted];
    out[24] = row[EVENT_ROW.reason];
    out[25] = result;
    out[26] = row[EVENT_ROW.correctionAction];
    out[27] = row[EVENT_ROW.correctionSeq];
    out[28] = c.met;
    out[29] = c.counted;
    for (let i = 0; i < 6; i += 1) out[30 + i] = row[EVENT_ROW.eventLinkSeq + i];
    out[36] = row[EVENT_ROW.measures];
    out[37] = row[EVENT_ROW.handleSeconds];
    putCorrection(out, row, keyName);
    return out;
  };
}

/** Columns 38–46: the latest correction's record fields beyond seq and action, its author's name, its link. */
function putCorrection(out: unknown[], row: EventExportRow, keyName: (id: string) => string | null): void {
  const keyId = row[EVENT_ROW.correctionKeyId] as string | null;
  out[38] = row[EVENT_ROW.correctionChanges];
  out[39] = row[EVENT_ROW.correctionRejudged];
  out[40] = row[EVENT_ROW.correctionReason];
  out[41] = keyId;
  out[42] = keyId === null ? null : keyName(keyId);
  out[43] = row[EVENT_ROW.correctionAtMs];
  out[44] = row[EVENT_ROW.correctionLinkSeq];
  out[45] = row[EVENT_ROW.correctionLinkPrev];
  out[46] = row[EVENT_ROW.correctionLinkHash];
}

/**
 * The formula of each standard version the exported rows name, by id then version (an export reads millions of
 * rows naming a handful of versions: no `id@version` key is built and hashed per row); each version is noted as
 * involved the first time a row names it.
 */
class VersionsNamed {
  /** `id@version` of every version named, in the order the rows first named them. */
  readonly involved = new Set<string>();
  private readonly byId = new Map<string, Map<number, string | null>>();
  constructor(private readonly versions: ReadonlyMap<string, { formula: string | null }>) {}
  formula(id: string, version: number): string | null {
    let byVersion = this.byId.get(id);
    if (byVersion === undefined) this.byId.set(id, (byVersion = new Map<number, string | null>()));
    let formula = byVersion.get(version);
    if (formula === undefined) {
      const key = `${id}@${version}`;
      formula = this.versions.get(key)?.formula ?? null;
      byVersion.set(version, formula);
      this.involved.add(key);
    }
    return formula;
  }
}

/** Chain links carried by the rows: one bit per link up to the head (constant-size for the export). */
class CarriedLinks {
  private readonly bits: Uint8Array;
  first = Infinity;
  constructor(private readonly head: number) {
    this.bits = new Uint8Array((head >> 3) + 1);
  }
  mark(seq: number | null): void {
    if (seq === null) return;
    if (seq <= this.head) this.bits[seq >> 3]! |= 1 << (seq & 7);
    if (seq < this.first) this.first = seq;
  }
  has(seq: number): boolean {
    return (this.bits[seq >> 3]! & (1 << (seq & 7))) !== 0;
  }
  fullByte(seq: number): boolean {
    return (seq & 7) === 0 && this.bits[seq >> 3] === 0xff;
  }
}

/** A row chained after the export's past head (its event, or its judgement, stored later): not in the export as of then. */
const chainedAfter = (row: EventExportRow, asOf: number): boolean =>
  ((row[EVENT_ROW.eventLinkSeq] as number | null) ?? 0) > asOf || ((row[EVENT_ROW.judgementLinkSeq] as number | null) ?? 0) > asOf;

/**
 * The store's event rows of the export: as of the export's head when it is a past one (rows chained after it left
 * out, the correction in force the latest chained up to it), else every row.
 */
export function eventRowsAt(q: ExportQuery, ctx: ExportContext): RowSequence<EventExportRow> {
  const asOf = ctx.asOf?.seq ?? null;
  // The store's own sequence when nothing is left out: passing rows through an async generator costs an await and
  // a generator resumption per row (an export reads millions).
  if (asOf === null) return ctx.snapshot.exports.eventRows(q);
  return rowsAsOf(q, ctx, asOf);
}

async function* rowsAsOf(q: ExportQuery, ctx: ExportContext, asOf: number): AsyncGenerator<EventExportRow> {
  for await (const row of ctx.snapshot.exports.eventRows({ ...q, maxLinkSeq: asOf })) if (!chainedAfter(row, asOf)) yield row;
}

/** One judgement of the range in its corrected state (as of the export's head): what the compliance rows sum. */
export interface CorrectedJudgement {
  site: string;
  standardId: string;
  version: number;
  occurredAtMs: number;
  met: number;
  counted: number;
  voided: number;
  amended: number;
}

/** The range's judgements in their corrected state; paced (ctx.pace) as every export's reading is. */
export async function* correctedJudgements(q: ExportQuery, ctx: ExportContext): AsyncGenerator<CorrectedJudgement> {
  let rows = 0;
  for await (const row of eventRowsAt(q, ctx)) {
    if ((rows += 1) % 256 === 0) await ctx.pace();
    const standardId = row[EVENT_ROW.standardId] as string | null;
    if (standardId === null) continue;
    const c = corrected(row, parseRejudged);
    const action = row[EVENT_ROW.correctionAction];
    yield { site: row[3] as string, standardId, version: row[EVENT_ROW.standardVersion] as number, occurredAtMs: row[5] as number, met: c.met ?? 0, counted: c.counted ?? 0, voided: action === 'void' ? 1 : 0, amended: action === 'amend' ? 1 : 0 };
  }
}

export async function eventsExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<unknown[]>> {
  const s = ctx.snapshot;
  const chainHead = ctx.head;
  // Events before the cutoff are gone (those stored there since were back-dated); their links stay in the chain,
  // covered by the signed checkpoint.
  const horizon = await s.audit.horizon();
  const retention = retentionNote(horizon, q.fromMs, prunedParts('events', [q], horizon));
  const restatements = await restatementsOf(q, ctx);
  const notes = { ...(retention ? { retention } : {}), ...(restatements ? { restatements } : {}) };
  const versions = new Map((await standardVersions(ctx)).map((v) => [`${v.id}@${v.version}`, v]));
  const named = new VersionsNamed(versions);
  const involved = named.involved;
  const carried = new CarriedLinks(chainHead.seq);
  const keyName = await keyNames(ctx);
  // Rows the outcome filter drops name no version: the formula is asked for only after the filter.
  const map = rowMapper(new Set(q.outcomes), (id, version) => named.formula(id, version), keyName);
  const corrected = new Set<number>();
  const rows = mapRows(eventRowsAt(q, ctx), (row) => {
    const out = map(row);
    if (!out) return null;
    if (out[27] !== null) corrected.add(out[0] as number);
    carried.mark(out[30] as number | null);
    carried.mark(out[33] as number | null);
    return out;
  });
  return {
    kind: 'events',
    columns: EVENT_COLUMNS,
    header: { ...baseHeader('events', q, ctx, chainHead), ...notes },
    rows,
    toValues: (row) => row,
    // The store's values (null, numbers, text) and text and numbers derived from them.
    scalarValues: true,
    toRecord: (row) => Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c.key, row[i]])),
    records: () => chainedRecordLines(ctx, chainHead.seq, corrected, involved, keyName),
    links: q.proof === 'none' ? undefined : () => uncarriedLinks(ctx, carried, chainHead.seq),
    manifest: ({ rowCount, dataSha256 }) => {
      const proof = q.proof === 'none' || carried.first === Infinity ? null : { fromLinkSeq: carried.first, toLinkSeq: chainHead.seq };
      const completeness = completenessBasis(q, proof);
      return {
        ...baseHeader('events', q, ctx, chainHead),
        rowCount,
        dataSha256,
        dataHashCovers: hashDefinition(ctx.format),
        standardVersions: [...involved].sort(),
        proof,
        ...notes,
        ...(completeness ? { completeness } : {}),
      };
    },
  };
}

/**
 * After the rows: every version of each standard that judged an exported row (the version in force at any instant
 * can then be told), and every correction of each exported event that has one, in chain order, each with its link.
 * The rows carry the latest correction too; the lines show the earlier ones, so the history of an event is complete.
 * Only records chained up to the export's head: as of a past head, later versions and corrections did not exist yet.
 */
async function* chainedRecordLines(ctx: ExportContext, head: number, corrected: ReadonlySet<number>, involved: ReadonlySet<string>, keyName: (id: string) => string | null): AsyncGenerator<TrailerRecord> {
  yield* standardRecordLines(ctx, [...involved].map((v) => v.slice(0, v.lastIndexOf('@'))), head);
  for (const r of await ctx.snapshot.exports.correctionRecords([...corrected].sort((a, b) => a - b))) {
    if (r.link.seq > head) continue;
    yield { name: 'correction', value: { ...r, keyName: keyName(r.record.keyId as string) } };
  }
}

/** The links after the first exported one up to the head that no row carries (a full export carries nearly all). */
async function* uncarriedLinks(ctx: ExportContext, carried: CarriedLinks, head: number): AsyncGenerator<Record<string, unknown>> {
  if (carried.first === Infinity) return;
  for (let s = carried.first + 1; s <= head; ) {
    if (carried.fullByte(s)) s += 8;
    else if (carried.has(s)) s += 1;
    else {
      let e = s;
      while (e < head && !carried.has(e + 1)) e += 1;
      yield* ctx.snapshot.chain.linksBetween(s, e);
      s = e + 1;
    }
  }
}
