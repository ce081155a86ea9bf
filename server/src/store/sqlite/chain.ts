// Chain links, written by the store for every record kind in the transaction that writes the record (the same
// links migration 5's triggers wrote: same records, digests and hashes). The record arithmetic is domain/chain.ts.
//
// Each link is inserted with its explicit seq (head + 1), so a stale head could only fail loudly (primary key),
// never fork the chain. The head is read at the first link of a write and carried while it lasts.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, linkHash, recordDigest, refOf, tagsOf, type ChainKind, type TagPlace } from '../../domain/chain';

/** The newest link, and a link's hash by its seq. */
export const CHAIN_SQL = {
  head: 'SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1',
  hashAt: 'SELECT hash FROM audit_chain WHERE seq = ?',
} as const;

interface ChainTable {
  table: string;
  /** Columns in the order of the kind's record keys. */
  columns: readonly string[];
  /** Join condition of the source table (alias `t`) to a chain row (alias `c`), for verification. */
  join: string;
  /** The link's key columns, from the record's values. */
  keys(values: readonly unknown[]): [eventSeq: unknown, keyText: unknown, keyInt: unknown];
}

export const CHAIN_TABLES: Readonly<Record<ChainKind, ChainTable>> = {
  event: {
    table: 'events',
    columns: ['seq', 'id', 'type', 'site', 'occurred_at_ms', 'occurred_at', 'received_at_ms', 'outcome', 'rings', 'answer_seconds', 'greet_seconds', 'queue', 'agent', 'derived', 'content', 'measures', 'handle_seconds'],
    join: 't.seq = c.event_seq',
    keys: (v) => [v[0], null, null],
  },
  judgement: {
    table: 'judgements',
    columns: ['event_seq', 'standard_id', 'standard_version', 'measure', 'value', 'threshold', 'met', 'counted', 'reason'],
    join: 't.event_seq = c.event_seq AND t.standard_id = c.key_text',
    keys: (v) => [v[0], v[1], null],
  },
  standard: {
    table: 'standards',
    columns: ['id', 'version', 'definition', 'created_at_ms', 'valid_from_ms', 'retired'],
    join: 't.id = c.key_text AND t.version = c.key_int',
    keys: (v) => [null, v[0], v[1]],
  },
  site: { table: 'site_history', columns: ['seq', 'site', 'change', 'definition', 'changed_at_ms'], join: 't.seq = c.key_int', keys: (v) => [null, null, v[0]] },
  correction: {
    table: 'audit_corrections',
    columns: ['seq', 'event_seq', 'action', 'changes', 'rejudged', 'reason', 'key_id', 'at_ms'],
    join: 't.seq = c.key_int',
    keys: (v) => [v[1], null, v[0]],
  },
  audit: { table: 'audit_log', columns: ['seq', 'key_id', 'action', 'target', 'details', 'at_ms'], join: 't.seq = c.key_int', keys: (v) => [null, null, v[0]] },
  checkpoint: {
    table: 'audit_checkpoints',
    columns: ['seq', 'pruned_before_ms', 'last_event_seq', 'events', 'judgements', 'head_seq', 'head_hash', 'at_ms', 'hmac', 'last_milestone_seq', 'milestones'],
    join: 't.seq = c.key_int',
    keys: (v) => [null, null, v[0]],
  },
  milestone: {
    table: 'milestones',
    columns: ['seq', 'id', 'type', 'site', 'case_id', 'milestone', 'at_ms', 'at', 'received_at_ms', 'agent', 'queue', 'handle_seconds', 'content'],
    join: 't.seq = c.key_int',
    keys: (v) => [null, null, v[0]],
  },
  caseJudgement: {
    table: 'case_judgements',
    columns: ['seq', 'type', 'site', 'case_id', 'standard_id', 'standard_version', 'measure', 'value', 'threshold', 'met', 'counted', 'reason', 'at_ms'],
    join: 't.seq = c.key_int',
    keys: (v) => [null, null, v[0]],
  },
  tags: { table: 'chain_tags', columns: ['link_seq', 'link_hash', 'tags'], join: 't.link_seq = c.key_int', keys: (v) => [null, null, v[0]] },
  standardWithdrawal: {
    table: 'standard_withdrawals',
    columns: ['standard_id', 'version', 'withdrawn_at_ms'],
    join: 't.standard_id = c.key_text AND t.version = c.key_int',
    keys: (v) => [null, v[0], v[1]],
  },
};

export interface ChainHead {
  seq: number;
  hash: string;
}

export class ChainWriter {
  private readonly headRow: Database.Statement<[], ChainHead>;
  private readonly insert: Database.Statement;
  private head: ChainHead | null = null;
  private carrying = false;

  constructor(db: Database.Database) {
    this.headRow = db.prepare(CHAIN_SQL.head);
    this.insert = db.prepare('INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  }

  readHead(): ChainHead {
    return this.headRow.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Chains a record just written: `values` in the kind's key order, as stored; `place`: a judgement's event. */
  append(kind: ChainKind, values: readonly unknown[], atMs: number, place?: TagPlace): ChainHead {
    const prev = this.head ?? this.readHead();
    const ref = refOf(kind, values);
    const digest = recordDigest(kind, values);
    const tags = tagsOf(kind, values, place);
    const next = { seq: prev.seq + 1, hash: linkHash(prev.hash, kind, ref, digest, tags) };
    // at_ms is not hashed: when the link was written.
    this.insert.run(next.seq, kind, ref, ...CHAIN_TABLES[kind].keys(values), digest, next.hash, atMs, tags);
    if (this.carrying) this.head = next;
    return next;
  }

  /** From now on (a write transaction began) the head is read once and carried from link to link. */
  begin(): void {
    this.carrying = true;
    this.head = null;
  }

  /** Something was rolled back (a savepoint, a failed part of a write): the head is read again for the next link. */
  forget(): void {
    this.head = null;
  }

  end(): void {
    this.carrying = false;
    this.head = null;
  }
}

/** One chain writer per connection: all its writes share the head they carry. */
const writers = new WeakMap<Database.Database, ChainWriter>();
export function chainWriter(db: Database.Database): ChainWriter {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new ChainWriter(db)));
  return w;
}
