// Recomputing the hash chain (GET /api/v1/audit/verify, `node server/dist/main.js verify --data DIR`).
// One pass over audit_chain joined to every source table, on its own read connection (one snapshot):
// each link's hash is recomputed from the previous one, and each record's digest from its row as stored now.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../domain/canonical';
import { GENESIS_HASH, KINDS, digestOf, linkHash, recordOf, sourceColumns, type ChainKind } from './records';

export interface VerifyResult {
  intact: boolean;
  /** Links checked (= the head's seq when intact). */
  records: number;
  headSeq: number;
  headHash: string;
  /** Links whose source row was removed by retention pruning (covered by a checkpoint). */
  pruned: number;
  checkpoints: number;
  /** The first link that does not match. */
  firstBad?: { seq: number; kind: string; ref: string; problem: string };
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

export function verifyChain(reader: Database.Database, secret: Buffer | null, options: { yieldEvery?: number } = {}): VerifyResult {
  void options;
  const checkpoints = reader.prepare('SELECT * FROM audit_checkpoints ORDER BY seq').all() as Array<Record<string, any>>;
  let prunedUpTo = 0;
  for (const c of checkpoints) {
    const fields: CheckpointFields = {
      prunedBeforeMs: c.pruned_before_ms,
      lastEventSeq: c.last_event_seq,
      events: c.events,
      judgements: c.judgements,
      headSeq: c.head_seq,
      headHash: c.head_hash,
      atMs: c.at_ms,
    };
    if (secret) {
      const expected = Buffer.from(checkpointHmac(secret, fields), 'hex');
      const actual = Buffer.from(String(c.hmac), 'hex');
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        return fail(0, GENESIS_HASH, 0, checkpoints.length, { seq: 0, kind: 'checkpoint', ref: String(c.seq), problem: `checkpoint ${c.seq}: HMAC does not match (signed fields were altered)` });
      }
    }
    if (c.last_event_seq !== null) prunedUpTo = Math.max(prunedUpTo, c.last_event_seq);
  }
  const joins = KINDS.map((k) => `LEFT JOIN ${k.table} t_${k.kind} ON c.kind = '${k.kind}' AND ${k.join.replaceAll('t.', `t_${k.kind}.`)}`).join('\n');
  const cols = KINDS.map((k) => sourceColumns(k, `t_${k.kind}`)).join(', ');
  const stmt = reader.prepare(`SELECT c.seq, c.kind, c.ref, c.event_seq, c.digest, c.hash, ${cols} FROM audit_chain c ${joins} ORDER BY c.seq`);
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let pruned = 0;
  for (const row of stmt.iterate() as Iterable<Record<string, any>>) {
    const at = { seq: row.seq as number, kind: row.kind as string, ref: row.ref as string };
    if (row.seq !== expectedSeq) return fail(expectedSeq - 1, prev, pruned, checkpoints.length, { ...at, seq: expectedSeq, problem: `chain link ${expectedSeq} is missing` });
    const def = KINDS.find((k) => k.kind === (row.kind as ChainKind));
    if (!def) return fail(row.seq - 1, prev, pruned, checkpoints.length, { ...at, problem: `unknown kind "${row.kind}"` });
    if (linkHash(prev, row.kind, row.ref, row.digest) !== row.hash) {
      return fail(row.seq - 1, prev, pruned, checkpoints.length, { ...at, problem: 'the chain link does not follow from the previous one (the link row was altered)' });
    }
    const values = def.fields.map((_f, i) => row[`${def.kind}__${i}`]);
    if (values[0] === null || values[0] === undefined) {
      const prunable = (def.kind === 'event' || def.kind === 'judgement') && row.event_seq !== null && row.event_seq <= prunedUpTo;
      if (!prunable) return fail(row.seq - 1, prev, pruned, checkpoints.length, { ...at, problem: `the ${def.kind} record ${row.ref} is missing (deleted outside retention pruning)` });
      pruned += 1;
    } else if (digestOf(recordOf(def, values)) !== row.digest) {
      return fail(row.seq - 1, prev, pruned, checkpoints.length, { ...at, problem: `the ${def.kind} record ${row.ref} does not match its chain digest (the record was altered)` });
    }
    prev = row.hash;
    expectedSeq += 1;
  }
  const records = expectedSeq - 1;
  return {
    intact: true,
    records,
    headSeq: records,
    headHash: prev,
    pruned,
    checkpoints: checkpoints.length,
    message: `intact up to record ${records}, head hash ${prev}`,
  };
}

function fail(goodUpTo: number, goodHash: string, pruned: number, checkpoints: number, bad: NonNullable<VerifyResult['firstBad']>): VerifyResult {
  return {
    intact: false,
    records: goodUpTo,
    headSeq: goodUpTo,
    headHash: goodHash,
    pruned,
    checkpoints,
    firstBad: bad,
    message: `first mismatch at record ${bad.seq} (${bad.kind} ${bad.ref}): ${bad.problem}; intact up to record ${goodUpTo}, hash ${goodHash}`,
  };
}
