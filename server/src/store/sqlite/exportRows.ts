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
import { GENESIS_HASH } from '../../domain/chain';
import { EVENT_ROW, EVENT_ROW_WIDTH, type EventExportRow, type ExportFilter, type MilestoneExportRow } from '../port';

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
  private readonly judgementKeys: string[] = [];
  private readonly judgementSeqs: number[] = [];
  private readonly judgementHashes: string[] = [];
  private count = 0;
  // Recently read links by seq (direct-mapped), for the predecessor hashes.
  private readonly cacheSeq = new Float64Array(CACHE).fill(-1);
  private readonly cacheHash: string[] = new Array<string>(CACHE);
  private readonly cursor: SeqCursor;
  private readonly hashAt: Database.Statement;

  constructor(reader: Database.Database) {
    // Every kind with an event_seq passes (corrections too), so predecessors are usually in the cache.
    const stmt = reader.prepare('SELECT event_seq, seq, kind, key_text, hash FROM audit_chain WHERE event_seq >= ? ORDER BY event_seq, seq').raw(true);
    this.cursor = new SeqCursor((seq) => stmt.iterate(seq) as IterableIterator<Raw>, 0);
    this.hashAt = reader.prepare('SELECT hash FROM audit_chain WHERE seq = ?').pluck(true);
  }

  /** Loads the links of event `seq`. */
  load(seq: number): void {
    this.eventSeq = this.eventPrev = this.eventHash = null;
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
    }
  };

  /** Hash of link seq - 1 (the genesis hash before the first link). */
  private prev(seq: number): string {
    const slot = (seq - 1) & (CACHE - 1);
    if (this.cacheSeq[slot] === seq - 1) return this.cacheHash[slot]!;
    return (this.hashAt.get(seq - 1) as string | undefined) ?? GENESIS_HASH;
  }
}

/** The correction in force for each event (the latest), from a cursor over audit_corrections. */
class Corrections {
  seq: number | null = null;
  action: string | null = null;
  rejudged: string | null = null;
  private readonly cursor: SeqCursor;
  constructor(reader: Database.Database, maxLinkSeq: number | null) {
    const stmt = reader.prepare(`SELECT event_seq, seq, action, rejudged FROM audit_corrections c WHERE event_seq >= ? AND ${CORRECTION_AS_OF} ORDER BY event_seq, seq`).raw(true);
    this.cursor = new SeqCursor((seq) => stmt.iterate(seq, maxLinkSeq, maxLinkSeq) as IterableIterator<Raw>, 0);
  }
  load(eventSeq: number): void {
    this.seq = this.action = this.rejudged = null;
    this.cursor.take(eventSeq, this.pick);
  }
  close(): void {
    this.cursor.close();
  }
  private readonly pick = (row: Raw): void => {
    this.seq = row[1] as number;
    this.action = row[2] as string;
    this.rejudged = row[3] as string;
  };
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
  const links = new ChainLinks(reader);
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
      out[EVENT_ROW.correctionSeq] = corrections.seq;
      out[EVENT_ROW.correctionAction] = corrections.action;
      out[EVENT_ROW.correctionRejudged] = corrections.rejudged;
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
