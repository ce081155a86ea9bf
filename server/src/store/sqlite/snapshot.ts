// Reads of one snapshot (a read transaction on its own read-only connection): the chain with its records for
// verification, and the long row sequences of exports. Rows are read lazily, in index order, as the consumer asks.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, type ChainKind } from '../../domain/chain';
import type { Alert, AlertState, Site } from '../../protocol';
import { chainLinksScan, proofLinks, UNCHAINED_SCANS } from '../chainScans';
import { derivedReadsOf } from '../derivedReads';
import type { AlertExportRow, AuditLogExportRow, IncidentExportRow, ExportFilter, LinkWithRecord, Snapshot, StoredCheckpoint } from '../port';
import type { Statements } from './database';
import { chainedRecords, eventRows, LINK_SQL, milestoneRows, restatedSql } from './exportRows';
import { toChange } from './incidents';
import { DEFINITION } from './siteHistory';

/**
 * A synchronous row iterator as an AsyncIterable (the consumer may await between rows: an export writes). A plain
 * iterator object, not an async generator: a million-row export pays one resolved promise per row, not a
 * generator's request queue (about half the cost). Iterable as well (RowSequence): a consumer that can takes the
 * rows with no promise at all.
 */
function lazily<T>(rows: Iterable<T>): AsyncIterable<T> & Iterable<T> {
  return {
    [Symbol.iterator]: () => rows[Symbol.iterator](),
    [Symbol.asyncIterator]() {
      const it = rows[Symbol.iterator]();
      return {
        next: () => Promise.resolve(it.next()),
        return: (value?: unknown) => Promise.resolve(it.return?.(value) ?? { done: true as const, value: undefined }),
      };
    },
  };
}

/** Every link up to `toSeq` with its record's values (../chainScans.ts). */
function* chainLinks(db: Database.Database, toSeq: number): Generator<LinkWithRecord> {
  const { sql, linkOf } = chainLinksScan();
  for (const row of db.prepare(sql).raw(true).iterate(toSeq) as Iterable<unknown[]>) yield linkOf(row);
}

/** Records without a link (../chainScans.ts), kind by kind. */
function* unchained(db: Database.Database): Generator<{ kind: ChainKind; ref: string }> {
  for (const { sql, refOf } of UNCHAINED_SCANS) {
    for (const row of db.prepare(sql).raw(true).iterate() as Iterable<unknown[]>) yield refOf(row);
  }
}

function checkpoints(s: Statements): StoredCheckpoint[] {
  return (s.get('SELECT * FROM audit_checkpoints ORDER BY seq').all() as CheckpointRow[]).map(toCheckpoint);
}

export type CheckpointRow = Record<string, number | string | null>;

/** An audit_checkpoints row (either backend: the same columns) as the port's record. */
export function toCheckpoint(c: CheckpointRow): StoredCheckpoint {
  return {
    seq: c.seq as number,
    prunedBeforeMs: c.pruned_before_ms as number,
    lastEventSeq: c.last_event_seq as number | null,
    events: c.events as number,
    judgements: c.judgements as number,
    headSeq: c.head_seq as number,
    headHash: c.head_hash as string,
    atMs: c.at_ms as number,
    hmac: c.hmac as string,
    ...(c.milestones === null || c.milestones === undefined ? {} : { lastMilestoneSeq: c.last_milestone_seq as number | null, milestones: c.milestones as number }),
  };
}

/** Alert firings overlapping [from, to): started before `to`, not ended before `from`. */
function* alertRows(s: Statements, get: (id: number) => Alert, f: ExportFilter): Generator<AlertExportRow> {
  const sql = `SELECT a.id, n.at_ms AS ended, n.state AS end_state FROM alerts a LEFT JOIN alerts n ON n.previous_id = a.id
    WHERE a.state = 'firing' AND a.at_ms < ? AND (n.at_ms IS NULL OR n.at_ms >= ?) ${f.sites.length ? `AND a.site IN (${f.sites.map(() => '?').join(', ')})` : ''}
      ${f.standards.length ? `AND a.standard_id IN (${f.standards.map(() => '?').join(', ')})` : ''}
    ORDER BY a.id`;
  // The ids first: the connection serves one statement's rows at a time.
  const ids = s.get(sql).all(f.toMs, f.fromMs, ...f.sites, ...f.standards) as Array<{ id: number; ended: number | null; end_state: AlertState | null }>;
  for (const r of ids) yield { alert: get(r.id), endedAtMs: r.ended, endState: r.end_state };
}

/** Incident changes of [from, to) (their time), oldest first: append-only rows, so an export of a range never changes. */
function* incidentRows(s: Statements, f: ExportFilter): Generator<IncidentExportRow> {
  const sql = `SELECT c.*, i.opened_at_ms FROM incident_changes c JOIN incidents i ON i.id = c.incident_id
    WHERE c.at_ms >= ? AND c.at_ms < ? ${f.sites.length ? `AND c.site IN (${f.sites.map(() => '?').join(', ')})` : ''}
      ${f.standards.length ? `AND c.standard_id IN (${f.standards.map(() => '?').join(', ')})` : ''}
    ORDER BY c.seq`;
  for (const r of s.get(sql).iterate(f.fromMs, f.toMs, ...f.sites, ...f.standards) as Iterable<Parameters<typeof toChange>[0] & { standard_id: string; site: string; opened_at_ms: number }>) {
    yield { change: toChange(r), standardId: r.standard_id, site: r.site, openedAtMs: r.opened_at_ms };
  }
}

/** Audit log entries of [from, to) with their chain links up to `maxLinkSeq`. */
function* auditLogRows(s: Statements, fromMs: number, toMs: number, maxLinkSeq: number): Generator<AuditLogExportRow> {
  const sql = `SELECT l.seq, l.at_ms, l.key_id, l.action, l.target, l.details, c.seq, c.hash, p.hash FROM audit_log l
    LEFT JOIN audit_chain c ON c.kind = 'audit' AND c.key_int = l.seq LEFT JOIN audit_chain p ON p.seq = c.seq - 1
    WHERE l.at_ms >= ? AND l.at_ms < ? AND (c.seq IS NULL OR c.seq <= ?) ORDER BY l.seq`;
  type Tuple = [number, number, string, string, string | null, string, number | null, string | null, string | null];
  for (const r of s.raw(sql).iterate(fromMs, toMs, maxLinkSeq) as Iterable<Tuple>) {
    yield { seq: r[0], atMs: r[1], keyId: r[2], action: r[3], target: r[4], details: r[5], link: r[6] === null ? null : { seq: r[6], hash: r[7]!, prev: r[8] ?? GENESIS_HASH } };
  }
}

export function snapshotReads(s: Statements, getAlert: (id: number) => Alert): Pick<Snapshot, 'chain' | 'exports' | 'derived'> {
  return {
    derived: derivedReadsOf({
      tuples: <T extends unknown[]>(sql: string, args: readonly unknown[]) => s.raw(sql).all(...args) as T[],
      // The sites rows through the expression that writes their history records, so both read alike.
      siteRows: async () =>
        (s.raw(`SELECT name, retired, ${DEFINITION} FROM sites`).all() as Array<[string, number, string]>).map(([site, retired, definition]) => ({ site, retired: retired === 1, definition: JSON.parse(definition) as Site })),
      // A failed statement ends nothing in SQLite's read transaction.
      guarded: (read) => read(),
    }),
    chain: {
      links: (toSeq = Number.MAX_SAFE_INTEGER) => lazily(chainLinks(s.db, toSeq)),
      checkpoints: async () => checkpoints(s),
      unchained: () => lazily(unchained(s.db)),
      linksBetween: (fromSeq, toSeq) =>
        lazily(proofLinks(s.get('SELECT seq, kind, ref, digest, hash, tags FROM audit_chain WHERE seq >= ? AND seq <= ? ORDER BY seq').raw(true).iterate(fromSeq, toSeq) as Iterable<unknown[]>)),
      link: async (seq) => {
        const r = s.get(LINK_SQL.link).get(seq) as { seq: number; hash: string; at_ms: number } | undefined;
        return r ? { seq: r.seq, hash: r.hash, atMs: r.at_ms } : null;
      },
      refsBetween: async (kind, afterSeq, toSeq) => s.get(LINK_SQL.refsBetween).pluck(true).all(kind, afterSeq, toSeq) as string[],
    },
    exports: {
      eventRows: (f) => lazily(eventRows(s.db, f)),
      alertRows: (f) => lazily(alertRows(s, getAlert, f)),
      incidentRows: (f) => lazily(incidentRows(s, f)),
      auditLogRows: (fromMs, toMs, maxLinkSeq) => lazily(auditLogRows(s, fromMs, toMs, maxLinkSeq)),
      milestoneRows: (f, maxLinkSeq) => lazily(milestoneRows(s.db, f, maxLinkSeq)),
      restated: async (f, afterSeq, toSeq) => {
        const count = (kind: 'event' | 'correction') => s.db.prepare(restatedSql(kind, f.sites.length)).pluck(true).get(f.fromMs, f.toMs, ...f.sites, afterSeq, toSeq) as number;
        return { events: count('event'), corrections: count('correction') };
      },
      correctionRecords: (eventSeqs) => chainedRecords('correction', eventSeqs, async (sql, params) => s.db.prepare(sql).raw(true).all(...params) as unknown[][]),
      standardRecords: (ids) => chainedRecords('standard', ids, async (sql, params) => s.db.prepare(sql).raw(true).all(...params) as unknown[][]),
    },
  };
}
