// Chain links on PostgreSQL, written in the transaction that writes their record (the same records, digests and
// hashes as the SQLite backend's store/sqlite/chain.ts; the arithmetic is domain/chain.ts). Every write transaction
// holds the store's write lock (store.ts), so the head read at a write's first link stays the head: appends from
// several nodes are serialised, and each link's explicit seq (head + 1, the primary key) could only fail, never fork.
import { CHAIN_KIND, GENESIS_HASH, linkHash, recordJsonOf, refOf, sha256, type ChainKind } from '../../domain/chain';
import { CHAIN_TABLES } from '../sqlite/chain';
import type { Sql } from './db';

const json = new Map<ChainKind, (values: readonly unknown[]) => string>();
function recordJson(kind: ChainKind): (values: readonly unknown[]) => string {
  let fn = json.get(kind);
  if (!fn) json.set(kind, (fn = recordJsonOf(CHAIN_KIND[kind])));
  return fn;
}

export class PgChainWriter {
  private head: { seq: number; hash: string } | null = null;

  constructor(private readonly s: Sql) {}

  /** Chains a record just written: `values` in the kind's key order, as stored. */
  async append(kind: ChainKind, values: readonly unknown[], atMs: number): Promise<void> {
    const prev = this.head ?? (await this.s.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1')) ?? { seq: 0, hash: GENESIS_HASH };
    const ref = refOf(kind, values);
    const digest = sha256(recordJson(kind)(values));
    const next = { seq: prev.seq + 1, hash: linkHash(prev.hash, kind, ref, digest) };
    await this.s.run('INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      next.seq, kind, ref, ...CHAIN_TABLES[kind].keys(values), digest, next.hash, atMs,
    ]);
    this.head = next;
  }

  /** Something was rolled back: the head is read again for the next link. */
  forget(): void {
    this.head = null;
  }
}
