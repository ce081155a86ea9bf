// Recomputing the hash chain (GET /api/v1/audit/verify, `node server/dist/main.js verify --data DIR`).
// One pass over audit_chain joined to every source table, on its own read connection (one snapshot):
// each link's hash is recomputed from the previous one, and each record's digest from its row as stored now.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../domain/canonical';
import { CHAIN_KIND, CHAIN_KINDS, digestOf, GENESIS_HASH, linkHash, recordOf, refOf, type ChainKind, type ChainRecordKind } from '../domain/chain';
import { CHAIN_TABLES } from '../store/sqlite/chain';

/** One link that does not check out. */
export interface ChainProblem {
  seq: number;
  kind: string;
  ref: string;
  problem: string;
}

/** Problems listed in a result; the count of any further ones is given (moreProblems). */
export const MAX_LISTED_PROBLEMS = 100;

export interface VerifyResult {
  intact: boolean;
  /** Links of the intact prefix: every link when intact, else the links before the first problem. */
  records: number;
  /** End of the intact prefix (= the chain head when intact). */
  headSeq: number;
  headHash: string;
  /** Links read: the whole chain, also after a problem. */
  checked: number;
  /** Links whose source row was removed by retention pruning (covered by a checkpoint). */
  pruned: number;
  checkpoints: number;
  /** The first link that does not match (= problems[0]). */
  firstBad?: ChainProblem;
  /** Every link that does not match, in chain order (at most MAX_LISTED_PROBLEMS); [] when intact. */
  problems: ChainProblem[];
  /** Problems found beyond those listed. */
  moreProblems: number;
  message: string;
}

export interface CheckpointFields {
  prunedBeforeMs: number;
  lastEventSeq: number | null;
  events: number;
  judgements: number;
  headSeq: number;
  headHash: string;
  atMs: number;
}

export function checkpointHmac(secret: Buffer, f: CheckpointFields): string {
  return createHmac('sha256', secret).update(canonicalJson(f), 'utf8').digest('hex');
}

/**
 * Checks every link, not only up to the first mismatch: each link against the stored hash of the one before
 * it, so one altered record (or an unhashable one) cannot hide later tampering.
 */
export function verifyChain(reader: Database.Database, secret: Buffer | null): VerifyResult {
  const found = problemList();
  const checkpoints = reader.prepare('SELECT * FROM audit_checkpoints ORDER BY seq').all() as Array<Record<string, any>>;
  let prunedUpTo = 0;
  for (const c of checkpoints) {
    if (secret && !checkpointSigned(secret, c)) {
      // An unsigned checkpoint vouches for nothing: the links it would cover must be present.
      found.add({ seq: 0, kind: 'checkpoint', ref: String(c.seq), problem: `checkpoint ${c.seq}: HMAC does not match (signed fields were altered)` });
    } else if (c.last_event_seq !== null) prunedUpTo = Math.max(prunedUpTo, c.last_event_seq);
  }
  const joins = CHAIN_KINDS.map(({ kind }) => `LEFT JOIN ${CHAIN_TABLES[kind].table} t_${kind} ON c.kind = '${kind}' AND ${CHAIN_TABLES[kind].join.replaceAll('t.', `t_${kind}.`)}`).join('\n');
  const cols = CHAIN_KINDS.map(({ kind }) => CHAIN_TABLES[kind].columns.map((col, i) => `t_${kind}.${col} AS ${kind}__${i}`).join(', ')).join(', ');
  const linked = new Map<ChainKind, Set<string>>();
  const stmt = reader.prepare(`SELECT c.seq, c.kind, c.ref, c.event_seq, c.digest, c.hash, ${cols} FROM audit_chain c ${joins} ORDER BY c.seq`);
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let pruned = 0;
  let checked = 0;
  const intactTo = { seq: 0, hash: GENESIS_HASH };
  for (const row of stmt.iterate() as Iterable<Record<string, any>>) {
    const at = { seq: row.seq as number, kind: row.kind as string, ref: row.ref as string };
    checked += 1;
    let problem: string | null = null;
    if (row.seq !== expectedSeq) {
      // Reported at the first missing seq; the link after a gap has no predecessor to be checked against.
      found.add({ ...at, seq: expectedSeq, problem: row.seq === expectedSeq + 1 ? `chain link ${expectedSeq} is missing` : `chain links ${expectedSeq}–${row.seq - 1} are missing` });
    } else if (linkHash(prev, row.kind, row.ref, row.digest) !== row.hash) {
      problem = 'the chain link does not follow from the previous one (a link row was altered)';
    }
    const def = CHAIN_KIND[row.kind as ChainKind] as ChainRecordKind | undefined;
    if (def && def.kind !== 'event' && def.kind !== 'judgement') {
      let refs = linked.get(def.kind);
      if (!refs) linked.set(def.kind, (refs = new Set()));
      refs.add(row.ref as string);
    }
    if (problem === null) {
      const record = def ? checkRecord(def, row, prunedUpTo) : `unknown kind "${row.kind}"`;
      if (record === PRUNED) pruned += 1;
      else problem = record;
    }
    if (problem !== null) found.add({ ...at, problem });
    if (found.count === 0) Object.assign(intactTo, { seq: row.seq, hash: row.hash });
    prev = row.hash;
    expectedSeq = row.seq + 1;
  }
  unchained(reader, linked, found);
  return result(found, intactTo, { checked, pruned, checkpoints: checkpoints.length });
}

/**
 * Records without a link: written outside Ringside (the store chains every record it writes), so the chain does
 * not vouch for them. Events and judgements are found by their indexed links; the other kinds, being few, by the
 * refs of the links just read.
 */
function unchained(reader: Database.Database, linked: ReadonlyMap<ChainKind, ReadonlySet<string>>, found: ReturnType<typeof problemList>): void {
  const report = (kind: ChainKind, ref: string) => found.add({ seq: 0, kind, ref, problem: `the ${kind} record ${ref} has no chain link (written outside Ringside)` });
  const events = reader.prepare("SELECT seq FROM events t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.seq AND c.kind = 'event') ORDER BY seq").pluck();
  for (const seq of events.iterate() as Iterable<number>) report('event', String(seq));
  const judgements = reader.prepare(
    "SELECT t.event_seq, t.standard_id FROM judgements t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_seq = t.event_seq AND c.kind = 'judgement' AND c.key_text = t.standard_id) ORDER BY t.event_seq, t.standard_id",
  ).raw(true);
  for (const values of judgements.iterate() as Iterable<unknown[]>) report('judgement', refOf('judgement', values));
  for (const { kind } of CHAIN_KINDS) {
    if (kind === 'event' || kind === 'judgement') continue;
    const t = CHAIN_TABLES[kind];
    const refs = linked.get(kind);
    for (const values of reader.prepare(`SELECT ${t.columns.slice(0, 2).join(', ')} FROM ${t.table}`).raw(true).iterate() as Iterable<unknown[]>) {
      const ref = refOf(kind, values);
      if (!refs?.has(ref)) report(kind, ref);
    }
  }
}

function checkpointSigned(secret: Buffer, c: Record<string, any>): boolean {
  const fields: CheckpointFields = {
    prunedBeforeMs: c.pruned_before_ms,
    lastEventSeq: c.last_event_seq,
    events: c.events,
    judgements: c.judgements,
    headSeq: c.head_seq,
    headHash: c.head_hash,
    atMs: c.at_ms,
  };
  const expected = Buffer.from(checkpointHmac(secret, fields), 'hex');
  const actual = Buffer.from(String(c.hmac), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const PRUNED = Symbol('pruned');

/** What is wrong with a link's source record: null when it matches, PRUNED when removed under a checkpoint. */
function checkRecord(def: ChainRecordKind, row: Record<string, any>, prunedUpTo: number): string | null | typeof PRUNED {
  const values = def.keys.map((_k, i) => row[`${def.kind}__${i}`]);
  if (values[0] === null || values[0] === undefined) {
    const prunable = (def.kind === 'event' || def.kind === 'judgement') && row.event_seq !== null && row.event_seq <= prunedUpTo;
    return prunable ? PRUNED : `the ${def.kind} record ${row.ref} is missing (deleted outside retention pruning)`;
  }
  return digestOf(recordOf(def, values)) === row.digest ? null : `the ${def.kind} record ${row.ref} does not match its chain digest (the record was altered)`;
}

function problemList() {
  const listed: ChainProblem[] = [];
  return {
    listed,
    count: 0,
    add(p: ChainProblem) {
      this.count += 1;
      if (listed.length < MAX_LISTED_PROBLEMS) listed.push(p);
    },
  };
}

function result(found: ReturnType<typeof problemList>, intactTo: { seq: number; hash: string }, counts: { checked: number; pruned: number; checkpoints: number }): VerifyResult {
  const base = { records: intactTo.seq, headSeq: intactTo.seq, headHash: intactTo.hash, ...counts, problems: found.listed, moreProblems: found.count - found.listed.length };
  const bad = found.listed[0];
  if (!bad) return { intact: true, ...base, message: `intact up to record ${intactTo.seq}, head hash ${intactTo.hash}` };
  const all = found.count === 1 ? '1 problem' : `${found.count} problems`;
  return {
    intact: false,
    ...base,
    firstBad: bad,
    message: `first mismatch at ${bad.seq > 0 ? `record ${bad.seq} (${bad.kind} ${bad.ref})` : `${bad.kind} ${bad.ref}`}: ${bad.problem}; ${all} in ${counts.checked} records checked; intact up to record ${intactTo.seq}, hash ${intactTo.hash}`,
  };
}
