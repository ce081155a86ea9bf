// The scans of the audit chain that a snapshot reads for verification, once for both backends: every link with its
// record, and the records without a link. Each backend runs them its way (SQLite iterates a statement, PostgreSQL
// fetches through a cursor), rows as arrays.
import { CHAIN_KINDS, type ChainKind } from '../domain/chain';
import type { LinkWithRecord, ProofLink } from './port';
import { CHAIN_TABLES } from './sqlite/chain';

/** Every link with its record's values (null when the record is gone), in one pass joined to every source table. */
export function chainLinksScan(): { sql: string; linkOf: (row: unknown[]) => LinkWithRecord } {
  const joins = CHAIN_KINDS.map(({ kind }) => `LEFT JOIN ${CHAIN_TABLES[kind].table} t_${kind} ON c.kind = '${kind}' AND ${CHAIN_TABLES[kind].join.replaceAll('t.', `t_${kind}.`)}`).join('\n');
  const cols = CHAIN_KINDS.flatMap(({ kind }) => CHAIN_TABLES[kind].columns.map((col) => `t_${kind}.${col}`)).join(', ');
  // Where each kind's columns start in the row (after the link's own seven).
  const offsets = new Map<string, { at: number; width: number }>();
  let at = 7;
  for (const { kind } of CHAIN_KINDS) {
    offsets.set(kind, { at, width: CHAIN_TABLES[kind].columns.length });
    at += CHAIN_TABLES[kind].columns.length;
  }
  return {
    sql: `SELECT c.seq, c.kind, c.ref, c.event_seq, c.digest, c.hash, c.tags, ${cols} FROM audit_chain c ${joins} ORDER BY c.seq`,
    linkOf: (row) => {
      const o = offsets.get(row[1] as string);
      const values = o ? row.slice(o.at, o.at + o.width) : null;
      // A record's first column is never null: a null one means no such record.
      const record = values && values[0] !== null && values[0] !== undefined ? values : null;
      return { seq: row[0] as number, kind: row[1] as string, ref: row[2] as string, eventSeq: row[3] as number | null, digest: row[4] as string, hash: row[5] as string, tags: (row[6] as string | null) ?? null, record };
    },
  };
}

type Unchained = { kind: ChainKind; ref: string };

const keyedBySeq = ['site', 'correction', 'audit', 'checkpoint', 'milestone', 'caseJudgement'] as const;

/**
 * Records without a link (every record the store writes is chained; one without was written outside Ringside), one
 * scan a kind, in this order. Each kind's anti-join follows an index of audit_chain (by event, or by key).
 */
export const UNCHAINED_SCANS: ReadonlyArray<{ sql: string; refOf: (row: unknown[]) => Unchained }> = [
  {
    sql: "SELECT seq FROM events t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.seq AND c.kind = 'event') ORDER BY seq",
    refOf: ([seq]) => ({ kind: 'event', ref: String(seq) }),
  },
  {
    sql: "SELECT t.event_seq, t.standard_id FROM judgements t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.event_seq AND c.kind = 'judgement' AND c.key_text = t.standard_id) ORDER BY 1, 2",
    refOf: ([seq, id]) => ({ kind: 'judgement', ref: `${String(seq)}/${String(id)}` }),
  },
  {
    sql: "SELECT t.id, t.version FROM standards t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.version AND c.kind = 'standard' AND c.key_text = t.id) ORDER BY 1, 2",
    refOf: ([id, version]) => ({ kind: 'standard', ref: `${String(id)}@${String(version)}` }),
  },
  {
    sql: "SELECT t.link_seq FROM chain_tags t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.link_seq AND c.kind = 'tags') ORDER BY 1",
    refOf: ([seq]) => ({ kind: 'tags', ref: String(seq) }),
  },
  ...keyedBySeq.map((kind) => ({
    sql: `SELECT t.seq FROM ${CHAIN_TABLES[kind].table} t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.seq AND c.kind = '${kind}') ORDER BY 1`,
    refOf: ([seq]: unknown[]): Unchained => ({ kind, ref: String(seq) }),
  })),
];

/** A proof link from a stored row (seq, kind, ref, digest, hash, tags text). */
export function proofLink(row: readonly unknown[]): ProofLink {
  const link: ProofLink = { seq: Number(row[0]), kind: row[1] as string, ref: row[2] as string, digest: row[3] as string, hash: row[4] as string };
  if (row[5] !== null && row[5] !== undefined) link.tags = JSON.parse(row[5] as string) as Record<string, unknown>;
  return link;
}

/** Proof links from stored rows. */
export function* proofLinks(rows: Iterable<unknown[]>): Iterable<ProofLink> {
  for (const row of rows) yield proofLink(row);
}
