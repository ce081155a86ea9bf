// The rows of an event export: events ⋈ judgements with each event's chain links (and their predecessors' hashes)
// and latest correction merged in. Instead of a five-way join per row (four audit_chain lookups and a correlated
// "latest correction" subquery: a third of an export's time), three cursors ordered by event seq are merged here,
// each read once in index order:
//   - events ⋈ judgements (ORDER BY e.seq, j.standard_id);
//   - audit_chain by event_seq (index audit_chain_by_event), whose links for the current event are picked up as the
//     rows pass; a link's predecessor hash (seq - 1) almost always was read just before, so it comes from a small
//     cache keyed by seq, else from one primary-key lookup;
//   - audit_corrections by (event_seq, seq): the last one per event is the one in force.
// A cursor that falls far behind (a site filter skipping most events) seeks forward instead of reading the skipped
// links. All statements run on the snapshot's connection, inside its one read transaction.
import type Database from 'better-sqlite3';
import { CHAIN_KIND, GENESIS_HASH, recordOf } from '../../domain/chain';
import { EVENT_ROW, EVENT_ROW_WIDTH, type ChainedRecord, type EventExportRow, type ExportFilter, type MilestoneExportRow } from '../port';
import { CHAIN_TABLES } from './chain';

type Raw = unknown[];

/** Skipping more than this many event seqs: seek instead of reading through. */
const SEEK_GAP = 64;

/** A statement's rows ordered by an event seq column, consumed in step with ascending event seqs. */
class SeqCursor {
  private it: IterableIterator<Raw> | null = null;
  private ahead: Raw | null = null;
  constructor(
    private readonly open: (seq: number) => IterableIterator<Raw>,
    private readonly seqAt: number,
  ) {}

  /** Passes every row for `seq` to `each` (and rows read past on the way to `skipped`). */
  take(seq: number, each: (row: Raw) => void, skipped?: (row: Raw) => void): void {
    if (this.it === null || (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq - SEEK_GAP)) this.seek(seq);
    while (this.ahead !== null && (this.ahead[this.seqAt] as number) < seq) {
      skipped?.(this.ahead);
      this.next();
    }
    while (this.ahead !== null && this.ahead[this.seqAt] === seq) {
      each(this.ahead);
      this.next();
    }
  }

  close(): void {
    this.it?.return?.();
    this.it = null;
  }

  private seek(seq: number): void {
    this.close();
    this.it = this.open(seq);
    this.next();
  }

  private next(): void {
    const r = this.it!.next();
    this.ahead = r.done ? null : r.value;
  }
}

const CACHE = 1024; // power of two: slot = seq & (CACHE - 1)

/** The event's own link and its judgement links, with predecessor hashes, from the chain cursor. */
class ChainLinks {
  eventSeq: number | null = null;
  eventPrev: string | null = null;
  eventHash: string | null = null;
  /** The link of the event's latest correction (links come in seq order: the last one seen). */
  correctionSeq: number | null = null;
  correctionPrev: string | null = null;
  correctionHash: string | null = null;
  private readonly judgementKeys: string[] = [];
  private readonly judgementSeqs: number[] = [];
  private readonly judgementHashes: string[] = [];
  private count = 0;
  // Recently read links by seq (direct-mapped), for the predecessor hashes.
  private readonly cacheSeq = new Float64Array(CACHE).fill(-1);
  private readonly cacheHash: string[] = new Array<string>(CACHE);
  private readonly cursor: SeqCursor;
  private readonly hashAt: Database.Statement;

  /** Correction links chained after this one are not the one in force as of it (null: every link). */
  constructor(
    reader: Database.Database,
    private readonly maxLinkSeq: number | null,
  ) {
    // Every kind with an event_seq passes (corrections too), so predecessors are usually in the cache.
    const stmt = reader.prepare('SELECT event_seq, seq, kind, key_text, hash FROM audit_chain WHERE event_seq >= ? ORDER BY event_seq, seq').raw(true);
    this.cursor = new SeqCursor((seq) => stmt.iterate(seq) as IterableIterator<Raw>, 0);
    this.hashAt = reader.prepare('SELECT hash FROM audit_chain WHERE seq = ?').pluck(true);
  }

  /** Loads the links of event `seq`. */
  load(seq: number): void {
    this.eventSeq = this.eventPrev = this.eventHash = null;
    this.correctionSeq = this.correctionPrev = this.correctionHash = null;
    this.count = 0;
    this.cursor.take(seq, this.pick, this.remember);
  }

  /** The judgement link for `standardId` of the loaded event: index into seqOf/hashOf/prevOf, or -1. */
  judgement(standardId: unknown): number {
    for (let i = 0; i < this.count; i += 1) if (this.judgementKeys[i] === standardId) return i;
    return -1;
  }
  seqOf(i: number): number {
    return this.judgementSeqs[i]!;
  }
  hashOf(i: number): string {
    return this.judgementHashes[i]!;
  }
  prevOf(i: number): string {
    return this.prev(this.judgementSeqs[i]!);
  }

  close(): void {
    this.cursor.close();
  }

  private readonly remember = (row: Raw): void => {
    const seq = row[1] as number;
    this.cacheSeq[seq & (CACHE - 1)] = seq;
    this.cacheHash[seq & (CACHE - 1)] = row[4] as string;
  };

  private readonly pick = (row: Raw): void => {
    this.remember(row);
    const kind = row[2];
    if (kind === 'event') {
      this.eventSeq = row[1] as number;
      this.eventHash = row[4] as string;
      this.eventPrev = this.prev(this.eventSeq);
    } else if (kind === 'judgement') {
      this.judgementKeys[this.count] = row[3] as string;
      this.judgementSeqs[this.count] = row[1] as number;
      this.judgementHashes[this.count] = row[4] as string;
      this.count += 1;
    } else if (kind === 'correction' && (this.maxLinkSeq === null || (row[1] as number) <= this.maxLinkSeq)) {
      this.correctionSeq = row[1] as number;
      this.correctionHash = row[4] as string;
      this.correctionPrev = this.prev(this.correctionSeq);
    }
  };

  /** Hash of link seq - 1 (the genesis hash before the first link). */
  private prev(seq: number): string {
    const slot = (seq - 1) & (CACHE - 1);
    if (this.cacheSeq[slot] === seq - 1) return this.cacheHash[slot]!;
    return (this.hashAt.get(seq - 1) as string | undefined) ?? GENESIS_HASH;
  }
}

/** The correction in force for each event (the latest), from a cursor over audit_corrections: its whole record. */
class Corrections {
  /** seq, action, changes, rejudged, reason, key_id, at_ms of the latest correction; null when there is none. */
  latest: Raw | null = null;
  private readonly cursor: SeqCursor;
  constructor(reader: Database.Database, maxLinkSeq: number | null) {
    const stmt = reader.prepare(`SELECT event_seq, seq, action, changes, rejudged, reason, key_id, at_ms FROM audit_corrections c WHERE event_seq >= ? AND ${CORRECTION_AS_OF} ORDER BY event_seq, seq`).raw(true);
    this.cursor = new SeqCursor((seq) => stmt.iterate(seq, maxLinkSeq, maxLinkSeq) as IterableIterator<Raw>, 0);
  }
  load(eventSeq: number): void {
    this.latest = null;
    this.cursor.take(eventSeq, this.pick);
  }
  close(): void {
    this.cursor.close();
  }
  private readonly pick = (row: Raw): void => {
    this.latest = row;
  };
}

/** The latest correction's columns of an event export row (EVENT_ROW), from Corrections and ChainLinks. */
function putCorrection(out: unknown[], c: Raw | null, links: ChainLinks): void {
  out[EVENT_ROW.correctionSeq] = c?.[1] ?? null;
  out[EVENT_ROW.correctionAction] = c?.[2] ?? null;
  out[EVENT_ROW.correctionChanges] = c?.[3] ?? null;
  out[EVENT_ROW.correctionRejudged] = c?.[4] ?? null;
  out[EVENT_ROW.correctionReason] = c?.[5] ?? null;
  out[EVENT_ROW.correctionKeyId] = c?.[6] ?? null;
  out[EVENT_ROW.correctionAtMs] = c?.[7] ?? null;
  out[EVENT_ROW.correctionLinkSeq] = c === null ? null : links.correctionSeq;
  out[EVENT_ROW.correctionLinkPrev] = c === null ? null : links.correctionPrev;
  out[EVENT_ROW.correctionLinkHash] = c === null ? null : links.correctionHash;
}

/** The columns of an export row read from events ⋈ judgements (EVENT_ROW positions 0–22, then the measures and handle_seconds). */
const EVENTS_SELECT = `SELECT e.seq, e.id, e.type, e.site, e.occurred_at, e.occurred_at_ms, e.received_at_ms, e.outcome,
  e.rings, e.answer_seconds, e.greet_seconds, e.queue, e.agent, e.derived, e.content,
  j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason, e.measures, e.handle_seconds`;

const list = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/**
 * The rows of events that occurred in the filter's range (at its sites; with a judgement by one of its standards
 * when it names standards), in seq then standard order, in the EVENT_ROW layout. One array is reused for every row:
 * the consumer reads each row before asking for the next, which saves an object per row.
 */
export function* eventRows(reader: Database.Database, f: ExportFilter): Generator<EventExportRow> {
  const standardJoin = f.standards.length ? `AND j.standard_id IN (${list(f.standards)})` : '';
  const sites = f.sites.length ? `AND e.site IN (${list(f.sites)})` : '';
  const sql = `${EVENTS_SELECT} FROM events e ${f.standards.length ? 'JOIN' : 'LEFT JOIN'} judgements j ON j.event_seq = e.seq ${standardJoin}
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${sites} ORDER BY e.seq, j.standard_id`;
  const links = new ChainLinks(reader, f.maxLinkSeq ?? null);
  const corrections = new Corrections(reader, f.maxLinkSeq ?? null);
  const out: unknown[] = new Array<unknown>(EVENT_ROW_WIDTH).fill(null);
  let loaded = -1;
  try {
    for (const row of reader.prepare(sql).raw(true).iterate(...f.standards, f.fromMs, f.toMs, ...f.sites) as Iterable<Raw>) {
      const seq = row[0] as number;
      if (seq !== loaded) {
        links.load(seq);
        corrections.load(seq);
        loaded = seq;
      }
      for (let i = 0; i <= EVENT_ROW.reason; i += 1) out[i] = row[i];
      out[EVENT_ROW.measures] = row[EVENT_ROW.reason + 1];
      out[EVENT_ROW.handleSeconds] = row[EVENT_ROW.reason + 2];
      putCorrection(out, corrections.latest, links);
      out[EVENT_ROW.eventLinkSeq] = links.eventSeq;
      out[EVENT_ROW.eventLinkPrev] = links.eventPrev;
      out[EVENT_ROW.eventLinkHash] = links.eventHash;
      const j = row[EVENT_ROW.standardId] === null ? -1 : links.judgement(row[EVENT_ROW.standardId]);
      out[EVENT_ROW.judgementLinkSeq] = j < 0 ? null : links.seqOf(j);
      out[EVENT_ROW.judgementLinkPrev] = j < 0 ? null : links.prevOf(j);
      out[EVENT_ROW.judgementLinkHash] = j < 0 ? null : links.hashOf(j);
      yield out;
    }
  } finally {
    links.close();
    corrections.close();
  }
}

/**
 * The milestones of a milestone export (both backends): `at` in [from, to) at the filter's sites, with the chain
 * link of each and its predecessor's hash. Parameters: from, to, the sites, the highest link seq to include.
 */
export const milestoneExportSql = (sites: number) => `SELECT m.seq, m.id, m.type, m.site, m.case_id, m.milestone, m.at_ms, m.at,
    m.received_at_ms, m.agent, m.queue, m.handle_seconds, m.content, c.seq, c.hash, p.hash
  FROM milestones m LEFT JOIN audit_chain c ON c.kind = 'milestone' AND c.key_int = m.seq LEFT JOIN audit_chain p ON p.seq = c.seq - 1
  WHERE m.at_ms >= ? AND m.at_ms < ? ${sites > 0 ? `AND m.site IN (${Array.from({ length: sites }, () => '?').join(', ')})` : ''}
    AND (c.seq IS NULL OR c.seq <= ?) ORDER BY m.seq`;

export function toMilestoneExportRow(r: readonly unknown[]): MilestoneExportRow {
  const [seq, id, type, site, caseId, milestone, atMs, at, receivedAtMs, agent, queue, handleSeconds, content, linkSeq, hash, prev] = r as [
    number, string, string, string, string, string, number, string, number, string | null, string | null, number | null, string, number | null, string | null, string | null,
  ];
  const link = linkSeq === null ? null : { seq: Number(linkSeq), hash: hash!, prev: prev ?? GENESIS_HASH };
  return { seq: Number(seq), id, type, site, caseId, milestone, atMs: Number(atMs), at, receivedAtMs: Number(receivedAtMs), agent, queue, handleSeconds, content, link };
}

export function* milestoneRows(reader: Database.Database, f: ExportFilter, maxLinkSeq: number): Generator<MilestoneExportRow> {
  for (const r of reader.prepare(milestoneExportSql(f.sites.length)).raw(true).iterate(f.fromMs, f.toMs, ...f.sites, maxLinkSeq) as Iterable<unknown[]>) yield toMilestoneExportRow(r);
}

/**
 * Restatements (both backends): events of [from, to) at the sites whose link is in (after, to], and corrections of
 * such events chained there. Parameters: from, to, the sites, after, to (link seqs).
 */
export const restatedSql = (kind: 'event' | 'correction', sites: number) => {
  const join = kind === 'event' ? "audit_chain l ON l.event_seq = e.seq AND l.kind = 'event'" : "audit_corrections c ON c.event_seq = e.seq JOIN audit_chain l ON l.kind = 'correction' AND l.key_int = c.seq";
  return `SELECT COUNT(*) FROM events e JOIN ${join}
  WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${sites > 0 ? `AND e.site IN (${Array.from({ length: sites }, () => '?').join(', ')})` : ''} AND l.seq > ? AND l.seq <= ?`;
};

/** Chain reads of a past head (both backends): one link; the refs of a kind between two links. */
export const LINK_SQL = {
  link: 'SELECT seq, hash, at_ms FROM audit_chain WHERE seq = ?',
  refsBetween: 'SELECT ref FROM audit_chain WHERE kind = ? AND seq > ? AND seq <= ? ORDER BY seq',
} as const;

/** A correction in force as of link `maxLinkSeq`: chained up to it (null: every correction). */
export const CORRECTION_AS_OF = `(CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM audit_chain l WHERE l.kind = 'correction' AND l.key_int = c.seq AND l.seq <= ?))`;

/**
 * Chained records with their links, for the records an export carries beside its rows (both backends). The IN list
 * is `count` placeholders; the record's columns come in the kind's key order (CHAIN_TABLES), then link seq, hash
 * and the predecessor's hash.
 */
function chainedRecordsSql(kind: 'correction' | 'standard', count: number): string {
  const t = CHAIN_TABLES[kind];
  const on = kind === 'correction' ? "c.kind = 'correction' AND c.key_int = t.seq" : "c.kind = 'standard' AND c.key_text = t.id AND c.key_int = t.version";
  return `SELECT ${t.columns.map((col) => `t.${col}`).join(', ')}, c.seq, c.hash, p.hash FROM ${t.table} t JOIN audit_chain c ON ${on}
    LEFT JOIN audit_chain p ON p.seq = c.seq - 1 WHERE t.${kind === 'correction' ? 'event_seq' : 'id'} IN (${Array.from({ length: count }, () => '?').join(', ')}) ORDER BY c.seq`;
}

/** A row of chainedRecordsSql as a record (domain/chain.ts recordOf) and its link. */
function toChainedRecord(kind: 'correction' | 'standard', r: readonly unknown[]): ChainedRecord {
  const width = CHAIN_TABLES[kind].columns.length;
  const [seq, hash, prev] = r.slice(width) as [number, string, string | null];
  return { record: recordOf(CHAIN_KIND[kind], r.slice(0, width)), link: { seq: Number(seq), prev: prev ?? GENESIS_HASH, hash } };
}

/** Keys per query: well under SQLite's and PostgreSQL's limits on parameters. */
const RECORDS_PER_QUERY = 500;

/** The records of `keys` read by `read` (one query per RECORDS_PER_QUERY keys), in chain order. */
export async function chainedRecords(kind: 'correction' | 'standard', keys: readonly unknown[], read: (sql: string, params: readonly unknown[]) => Promise<unknown[][]>): Promise<ChainedRecord[]> {
  const out: ChainedRecord[] = [];
  for (let i = 0; i < keys.length; i += RECORDS_PER_QUERY) {
    const part = keys.slice(i, i + RECORDS_PER_QUERY);
    for (const r of await read(chainedRecordsSql(kind, part.length), part)) out.push(toChainedRecord(kind, r));
  }
  return out.sort((a, b) => a.link.seq - b.link.seq);
}
