// Reads of one snapshot (a read transaction on its own read-only connection): the chain with its records for
// verification, and the long row sequences of exports. Rows are read lazily, in index order, as the consumer asks.
import type Database from 'better-sqlite3';
import { CHAIN_KINDS, GENESIS_HASH, type ChainKind } from '../../domain/chain';
import type { Alert, AlertState } from '../../protocol';
import type { AlertExportRow, AuditLogExportRow, IncidentExportRow, ExportFilter, LinkWithRecord, Snapshot, StoredCheckpoint } from '../port';
import { CHAIN_TABLES } from './chain';
import type { Statements } from './database';
import { eventRows, milestoneRows } from './exportRows';
import { toChange } from './incidents';

/**
 * A synchronous row iterator as an AsyncIterable (the consumer may await between rows: an export writes). A plain
 * iterator object, not an async generator: a million-row export pays one resolved promise per row, not a
 * generator's request queue (about half the cost).
 */
function lazily<T>(rows: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = rows[Symbol.iterator]();
      return {
        next: () => Promise.resolve(it.next()),
        return: (value?: unknown) => Promise.resolve(it.return?.(value) ?? { done: true as const, value: undefined }),
      };
    },
  };
}

/** Every link with its record's values (null when the record is gone), in one pass joined to every source table. */
function* chainLinks(db: Database.Database): Generator<LinkWithRecord> {
  const joins = CHAIN_KINDS.map(({ kind }) => `LEFT JOIN ${CHAIN_TABLES[kind].table} t_${kind} ON c.kind = '${kind}' AND ${CHAIN_TABLES[kind].join.replaceAll('t.', `t_${kind}.`)}`).join('\n');
  const cols = CHAIN_KINDS.flatMap(({ kind }) => CHAIN_TABLES[kind].columns.map((col) => `t_${kind}.${col}`)).join(', ');
  // Where each kind's columns start in the row (after the link's own six).
  const offsets = new Map<string, { at: number; width: number }>();
  let at = 6;
  for (const { kind } of CHAIN_KINDS) {
    offsets.set(kind, { at, width: CHAIN_TABLES[kind].columns.length });
    at += CHAIN_TABLES[kind].columns.length;
  }
  const stmt = db.prepare(`SELECT c.seq, c.kind, c.ref, c.event_seq, c.digest, c.hash, ${cols} FROM audit_chain c ${joins} ORDER BY c.seq`).raw(true);
  for (const row of stmt.iterate() as Iterable<unknown[]>) {
    const o = offsets.get(row[1] as string);
    const values = o ? row.slice(o.at, o.at + o.width) : null;
    // A record's first column is never null: a null one means no such record.
    const record = values && values[0] !== null && values[0] !== undefined ? values : null;
    yield { seq: row[0] as number, kind: row[1] as string, ref: row[2] as string, eventSeq: row[3] as number | null, digest: row[4] as string, hash: row[5] as string, record };
  }
}

/**
 * Records without a link (every record the store writes is chained; one without was written outside Ringside).
 * Each kind's anti-join follows an index of audit_chain (by event, or by key).
 */
function* unchained(db: Database.Database): Generator<{ kind: ChainKind; ref: string }> {
  const events = db.prepare("SELECT seq FROM events t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.seq AND c.kind = 'event') ORDER BY seq").pluck();
  for (const seq of events.iterate() as Iterable<number>) yield { kind: 'event', ref: String(seq) };
  const judgements = db.prepare("SELECT t.event_seq, t.standard_id FROM judgements t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.event_seq AND c.kind = 'judgement' AND c.key_text = t.standard_id) ORDER BY 1, 2").raw(true);
  for (const [seq, id] of judgements.iterate() as Iterable<[number, string]>) yield { kind: 'judgement', ref: `${seq}/${id}` };
  const standards = db.prepare("SELECT t.id, t.version FROM standards t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.version AND c.kind = 'standard' AND c.key_text = t.id) ORDER BY 1, 2").raw(true);
  for (const [id, version] of standards.iterate() as Iterable<[string, number]>) yield { kind: 'standard', ref: `${id}@${version}` };
  for (const kind of ['site', 'correction', 'audit', 'checkpoint', 'milestone', 'caseJudgement'] as const) {
    const t = CHAIN_TABLES[kind];
    const rows = db.prepare(`SELECT t.seq FROM ${t.table} t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.seq AND c.kind = '${kind}') ORDER BY 1`).pluck();
    for (const seq of rows.iterate() as Iterable<number>) yield { kind, ref: String(seq) };
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

export function snapshotReads(s: Statements, getAlert: (id: number) => Alert): Pick<Snapshot, 'chain' | 'exports'> {
  return {
    chain: {
      links: () => lazily(chainLinks(s.db)),
      checkpoints: async () => checkpoints(s),
      unchained: () => lazily(unchained(s.db)),
      linksBetween: (fromSeq, toSeq) =>
        lazily(s.get('SELECT seq, kind, ref, digest, hash FROM audit_chain WHERE seq >= ? AND seq <= ? ORDER BY seq').iterate(fromSeq, toSeq) as Iterable<{ seq: number; kind: string; ref: string; digest: string; hash: string }>),
    },
    exports: {
      eventRows: (f) => lazily(eventRows(s.db, f)),
      alertRows: (f) => lazily(alertRows(s, getAlert, f)),
      incidentRows: (f) => lazily(incidentRows(s, f)),
      auditLogRows: (fromMs, toMs, maxLinkSeq) => lazily(auditLogRows(s, fromMs, toMs, maxLinkSeq)),
      milestoneRows: (f, maxLinkSeq) => lazily(milestoneRows(s.db, f, maxLinkSeq)),
    },
  };
}
