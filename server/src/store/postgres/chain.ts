// Chain links on PostgreSQL, written in the transaction that writes their record (the same records, digests and
// hashes as the SQLite backend's store/sqlite/chain.ts; the arithmetic is domain/chain.ts). Every write transaction
// holds the store's write lock (store.ts), so the head read at a write's first link stays the head: appends from
// several nodes are serialised, and each link's explicit seq (head + 1, the primary key) could only fail, never fork.
//
// Links are computed as records are written and inserted together (`flush`, one COPY: the links are new, their seqs
// after the head read under the lock) at the end of each write operation, inside its savepoint: a batch of events
// costs one statement of links, not two per event.
import { GENESIS_HASH, linkHash, recordDigest, refOf, tagsOf, type ChainKind, type TagPlace } from '../../domain/chain';
import { CHAIN_TABLES } from '../sqlite/chain';
import type { Sql } from './db';

type Link = [seq: number, kind: string, ref: string, eventSeq: unknown, keyText: unknown, keyInt: unknown, digest: string, hash: string, atMs: number, tags: string | null];

const LINK_COLUMNS = 'seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms, tags';

export class PgChainWriter {
  private head: { seq: number; hash: string } | null = null;
  private pending: Link[] = [];

  constructor(private readonly s: Sql) {}

  /**
   * Chains a record just written: `values` in the kind's key order, as stored; `place`: a judgement's event.
   * Inserted at the next `flush`.
   */
  async append(kind: ChainKind, values: readonly unknown[], atMs: number, place?: TagPlace): Promise<void> {
    this.appendTo(this.head ?? (await this.readHead()), kind, values, atMs, place);
  }

  /**
   * The head as it is before this write's first link: read now (a pipelined client sends the read at once, so a
   * caller may start it together with other statements and append synchronously once it is known).
   */
  async ready(): Promise<void> {
    this.head ??= await this.readHead();
  }

  /** `append` once the head is known (after `ready`). */
  appendNow(kind: ChainKind, values: readonly unknown[], atMs: number, place?: TagPlace): void {
    if (!this.head) throw new Error('the chain head is not read yet');
    this.appendTo(this.head, kind, values, atMs, place);
  }

  private async readHead(): Promise<{ seq: number; hash: string }> {
    return (await this.s.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1')) ?? { seq: 0, hash: GENESIS_HASH };
  }

  private appendTo(prev: { seq: number; hash: string }, kind: ChainKind, values: readonly unknown[], atMs: number, place?: TagPlace): void {
    const ref = refOf(kind, values);
    const digest = recordDigest(kind, values);
    const tags = tagsOf(kind, values, place);
    const next = { seq: prev.seq + 1, hash: linkHash(prev.hash, kind, ref, digest, tags) };
    this.pending.push([next.seq, kind, ref, ...CHAIN_TABLES[kind].keys(values), digest, next.hash, atMs, tags]);
    this.head = next;
  }

  /** Inserts the links appended since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const links = this.pending;
    this.pending = [];
    await this.s.copy('audit_chain', LINK_COLUMNS, links, 10);
  }

  /** Something was rolled back: unwritten links are dropped and the head is read again for the next link. */
  forget(): void {
    this.head = null;
    this.pending = [];
  }
}

/**
 * Rows as one array per column (for unnest), each already written as PostgreSQL's array text: a batch's columns are
 * tens of thousands of values, and pg's generic conversion (a call and two regular-expression replaces per value)
 * was a tenth of the node's time in a batch write. The text is what pg would send: every string quoted (a
 * backslash or a double quote escaped), numbers as JavaScript writes them (the shortest text that reads back as
 * the same double), null and undefined as NULL.
 */
export function columns(rows: readonly (readonly unknown[])[], width: number): string[] {
  const out: string[] = [];
  for (let c = 0; c < width; c += 1) {
    let text = '{';
    for (let r = 0; r < rows.length; r += 1) {
      if (r > 0) text += ',';
      text += element(rows[r]![c]);
    }
    out.push(`${text}}`);
  }
  return out;
}

const NEEDS_ESCAPE = /[\\"]/;

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new TypeError(`no array text for a ${typeof value}`);
}
