// The scans of the audit chain that a snapshot reads for verification, once for both backends: every link with its
// record, and the records without a link. Each backend runs them its way (SQLite iterates a statement, PostgreSQL
// fetches through a cursor), rows as arrays.
import { CHAIN_KINDS, type ChainKind } from '../domain/chain';
import type { LinkWithRecord, ProofLink } from './port';
import { CHAIN_TABLES } from './sqlite/chain';

/** The link's own columns that every scan of links with records starts with (seven). */
const LINK_COLUMNS = 'c.seq, c.kind, c.ref, c.event_seq, c.digest, c.hash, c.tags';
const LINK_WIDTH = 7;

const width = (kind: string): number | undefined => (Object.hasOwn(CHAIN_TABLES, kind) ? CHAIN_TABLES[kind as ChainKind].columns.length : undefined);

/** A link from a row of LINK_COLUMNS followed by its record's values in the kind's key order (none for an unknown kind). */
function linkOf(row: unknown[]): LinkWithRecord {
  const w = width(row[1] as string);
  const values = w === undefined ? null : row.slice(LINK_WIDTH, LINK_WIDTH + w);
  // A record's first column is never null: a null one means no such record.
  const record = values && values[0] !== null && values[0] !== undefined ? values : null;
  return { seq: row[0] as number, kind: row[1] as string, ref: row[2] as string, eventSeq: row[3] as number | null, digest: row[4] as string, hash: row[5] as string, tags: (row[6] as string | null) ?? null, record };
}

/**
 * Every link up to a seq (the parameter) with its record's values, in one pass joined to every source table (SQLite).
 * The record's values come in one set of columns, the n-th of them the n-th column of the link's kind (CASE on the
 * kind): a row is the link and its own record, not every kind's columns with all but one kind's null, which cost as
 * much again to read.
 */
export function chainLinksScan(): { sql: string; linkOf: (row: unknown[]) => LinkWithRecord } {
  const joins = CHAIN_KINDS.map(({ kind }) => `LEFT JOIN ${CHAIN_TABLES[kind].table} t_${kind} ON c.kind = '${kind}' AND ${CHAIN_TABLES[kind].join.replaceAll('t.', `t_${kind}.`)}`).join('\n');
  const widest = Math.max(...CHAIN_KINDS.map(({ kind }) => CHAIN_TABLES[kind].columns.length));
  const cols = Array.from({ length: widest }, (_, n) => {
    const cases = CHAIN_KINDS.filter(({ kind }) => n < CHAIN_TABLES[kind].columns.length).map(({ kind }) => `WHEN '${kind}' THEN t_${kind}.${CHAIN_TABLES[kind].columns[n]!}`);
    return `CASE c.kind ${cases.join(' ')} END`;
  });
  return { sql: `SELECT ${LINK_COLUMNS}, ${cols.join(', ')} FROM audit_chain c ${joins} WHERE c.seq <= ? ORDER BY c.seq`, linkOf };
}

/**
 * The same links as chainLinksScan, one scan per kind joined to its own table, and one of the links of no known kind,
 * each in seq order (the first column), for a merge by seq (PostgreSQL: a CASE over the kinds' columns would need
 * one type per column, which the kinds do not share).
 */
export function chainLinksScansByKind(): { sqls: string[]; linkOf: (row: unknown[]) => LinkWithRecord } {
  const byKind = CHAIN_KINDS.map(({ kind }) => {
    const cols = CHAIN_TABLES[kind].columns.map((col) => `t.${col}`).join(', ');
    return `SELECT ${LINK_COLUMNS}, ${cols} FROM audit_chain c LEFT JOIN ${CHAIN_TABLES[kind].table} t ON ${CHAIN_TABLES[kind].join} WHERE c.kind = '${kind}' AND c.seq <= ? ORDER BY c.seq`;
  });
  const known = CHAIN_KINDS.map(({ kind }) => `'${kind}'`).join(', ');
  return { sqls: [...byKind, `SELECT ${LINK_COLUMNS} FROM audit_chain c WHERE c.kind NOT IN (${known}) AND c.seq <= ? ORDER BY c.seq`], linkOf };
}

type Unchained = { kind: ChainKind; ref: string };

const keyedBySeq = ['site', 'correction', 'audit', 'checkpoint', 'milestone', 'caseJudgement'] as const;
/** Records keyed by a standard's id (the link's key_text) and a version number (its key_int). */
const keyedByStandardVersion = ['standard', 'standardWithdrawal'] as const;

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
  ...keyedByStandardVersion.map((kind) => {
    const id = `t.${CHAIN_TABLES[kind].columns[0]!}`;
    return {
      sql: `SELECT ${id}, t.version FROM ${CHAIN_TABLES[kind].table} t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key_int = t.version AND c.kind = '${kind}' AND c.key_text = ${id}) ORDER BY 1, 2`,
      refOf: ([standardId, version]: unknown[]): Unchained => ({ kind, ref: `${String(standardId)}@${String(version)}` }),
    };
  }),
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
