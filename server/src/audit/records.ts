// The hash chain's record kinds (issue #6, docs/audit.md "Hash chain"). One table of definitions drives
// everything that must agree byte for byte: the SQL triggers that chain a row in the transaction that
// inserts it, the verifier that recomputes them, the event export, and (duplicated, tested against this)
// scripts/verify-export.mjs.
//
//   digest = hex SHA-256 of the UTF-8 canonical JSON of the record (keys sorted, see domain/canonical.ts)
//   hash   = hex SHA-256 of the UTF-8 text  prevHash + canonicalJson({ digest, kind, ref })
//   prevHash of the first link = 64 × "0"
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../domain/canonical';

export const GENESIS_HASH = '0'.repeat(64);

export type ChainKind = 'event' | 'judgement' | 'standard' | 'site' | 'correction' | 'audit' | 'checkpoint';

/** [JSON key of the record, SQL column of the source table]; the record is these keys, nothing else. */
type Field = readonly [string, string];

export interface KindDef {
  kind: ChainKind;
  table: string;
  fields: readonly Field[];
  /** SQL (over NEW) for the link's columns: event_seq, key_text, key_int, ref. */
  keys: { eventSeq: string; keyText: string; keyInt: string; ref: string };
  /** Join condition of the source table (alias `t`) to a chain row (alias `c`). */
  join: string;
}

export const KINDS: readonly KindDef[] = [
  {
    kind: 'event',
    table: 'events',
    fields: [
      ['seq', 'seq'], ['id', 'id'], ['type', 'type'], ['site', 'site'], ['occurredAtMs', 'occurred_at_ms'], ['occurredAt', 'occurred_at'],
      ['receivedAtMs', 'received_at_ms'], ['outcome', 'outcome'], ['rings', 'rings'], ['answerSeconds', 'answer_seconds'],
      ['greetSeconds', 'greet_seconds'], ['queue', 'queue'], ['agent', 'agent'], ['derived', 'derived'], ['content', 'content'],
    ],
    keys: { eventSeq: 'NEW.seq', keyText: 'NULL', keyInt: 'NULL', ref: 'CAST(NEW.seq AS TEXT)' },
    join: 't.seq = c.event_seq',
  },
  {
    kind: 'judgement',
    table: 'judgements',
    fields: [
      ['eventSeq', 'event_seq'], ['standardId', 'standard_id'], ['standardVersion', 'standard_version'], ['measure', 'measure'], ['value', 'value'],
      ['threshold', 'threshold'], ['met', 'met'], ['counted', 'counted'], ['reason', 'reason'],
    ],
    keys: { eventSeq: 'NEW.event_seq', keyText: 'NEW.standard_id', keyInt: 'NULL', ref: "NEW.event_seq || '/' || NEW.standard_id" },
    join: 't.event_seq = c.event_seq AND t.standard_id = c.key_text',
  },
  {
    kind: 'standard',
    table: 'standards',
    fields: [['id', 'id'], ['version', 'version'], ['definition', 'definition'], ['createdAtMs', 'created_at_ms'], ['validFromMs', 'valid_from_ms'], ['retired', 'retired']],
    keys: { eventSeq: 'NULL', keyText: 'NEW.id', keyInt: 'NEW.version', ref: "NEW.id || '@' || NEW.version" },
    join: 't.id = c.key_text AND t.version = c.key_int',
  },
  {
    kind: 'site',
    table: 'site_history',
    fields: [['seq', 'seq'], ['site', 'site'], ['change', 'change'], ['definition', 'definition'], ['changedAtMs', 'changed_at_ms']],
    keys: { eventSeq: 'NULL', keyText: 'NULL', keyInt: 'NEW.seq', ref: 'CAST(NEW.seq AS TEXT)' },
    join: 't.seq = c.key_int',
  },
  {
    kind: 'correction',
    table: 'audit_corrections',
    fields: [
      ['seq', 'seq'], ['eventSeq', 'event_seq'], ['action', 'action'], ['changes', 'changes'], ['rejudged', 'rejudged'], ['reason', 'reason'],
      ['keyId', 'key_id'], ['atMs', 'at_ms'],
    ],
    keys: { eventSeq: 'NEW.event_seq', keyText: 'NULL', keyInt: 'NEW.seq', ref: 'CAST(NEW.seq AS TEXT)' },
    join: 't.seq = c.key_int',
  },
  {
    kind: 'audit',
    table: 'audit_log',
    fields: [['seq', 'seq'], ['keyId', 'key_id'], ['action', 'action'], ['target', 'target'], ['details', 'details'], ['atMs', 'at_ms']],
    keys: { eventSeq: 'NULL', keyText: 'NULL', keyInt: 'NEW.seq', ref: 'CAST(NEW.seq AS TEXT)' },
    join: 't.seq = c.key_int',
  },
  {
    kind: 'checkpoint',
    table: 'audit_checkpoints',
    fields: [
      ['seq', 'seq'], ['prunedBeforeMs', 'pruned_before_ms'], ['lastEventSeq', 'last_event_seq'], ['events', 'events'], ['judgements', 'judgements'],
      ['headSeq', 'head_seq'], ['headHash', 'head_hash'], ['atMs', 'at_ms'], ['hmac', 'hmac'],
    ],
    keys: { eventSeq: 'NULL', keyText: 'NULL', keyInt: 'NEW.seq', ref: 'CAST(NEW.seq AS TEXT)' },
    join: 't.seq = c.key_int',
  },
];

export const KIND_BY_NAME: ReadonlyMap<ChainKind, KindDef> = new Map(KINDS.map((k) => [k.kind, k]));

// One-shot hash (no Hash object per call): the batch writer computes two per stored row (issue #7).
export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The record a row stands for: `values` in the order of the kind's fields. */
export function recordOf(kind: KindDef, values: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  kind.fields.forEach(([key], i) => {
    const v = values[i];
    record[key] = typeof v === 'bigint' ? Number(v) : (v ?? null);
  });
  return record;
}

export const digestOf = (record: Record<string, unknown>): string => sha256(canonicalJson(record));

export function linkHash(prevHash: string, kind: string, ref: string, digest: string): string {
  // = prevHash + canonicalJson({ digest, kind, ref }): the literal's keys are already in sorted order and its
  // values are strings, so plain JSON.stringify gives the same bytes without the sorting pass (unit-tested).
  return sha256(prevHash + JSON.stringify({ digest, kind, ref }));
}

/**
 * canonicalJson(recordOf(def, values)) for records of primitive values (what a row holds), written out directly:
 * the key order is sorted once, keys are pre-quoted, and each value is JSON-encoded on its own. The batch writer
 * digests two records per stored row (issue #7); test/unit/chainRecords.test.ts checks the bytes are the same.
 */
export function recordJsonOf(def: KindDef): (values: readonly unknown[]) => string {
  const order = def.fields.map(([key], i) => [key, i] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const prefixes = order.map(([key], n) => (n === 0 ? '{' : ',') + JSON.stringify(key) + ':');
  const indexes = order.map(([, i]) => i);
  return (values) => {
    let json = '';
    for (let n = 0; n < indexes.length; n++) json += prefixes[n]! + jsonValue(values[indexes[n]!]);
    return (json || '{') + '}';
  };
}

/** JSON of one row value as recordOf + canonicalJson write it (bigint as a number, undefined as null). */
function jsonValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return JSON.stringify(Number(v));
  return typeof v === 'object' ? canonicalJson(v) : (JSON.stringify(v) ?? 'null');
}

/** Per connection: is the batch writer inserting right now (see asBatchWriter)? */
const batchWriter = new WeakMap<Database.Database, { active: boolean }>();

/**
 * Runs `fn` (the batch writer's inserts) with the event and judgement chain triggers and the rollup triggers
 * switched off on this connection: the writer appends those links and rollup rows itself (issue #7,
 * audit/chainAppender.ts, store/rollupWriter.ts). Any other insert into events or judgements, on any
 * connection, still goes through the triggers (migration 7 guards them with ringside_batch_writer()).
 */
export function asBatchWriter<T>(db: Database.Database, fn: () => T): T {
  const state = batchWriter.get(db);
  if (!state) throw new Error('the chain functions are not registered on this connection');
  const before = state.active;
  state.active = true;
  try {
    return fn();
  } finally {
    state.active = before;
  }
}

/** SQL functions the chain triggers call; registered on every read-write connection (store/database.ts). */
export function registerChainFunctions(db: Database.Database): void {
  const state = { active: false };
  batchWriter.set(db, state);
  // Not deterministic: its answer changes between statements.
  db.function('ringside_batch_writer', { deterministic: false }, () => (state.active ? 1 : 0));
  db.function('ringside_digest', { varargs: true, deterministic: true }, (kind: unknown, ...values: unknown[]) => {
    const def = KIND_BY_NAME.get(kind as ChainKind);
    if (!def) throw new Error(`unknown chain kind ${String(kind)}`);
    return digestOf(recordOf(def, values));
  });
  db.function('ringside_link', { deterministic: true }, (prev: unknown, kind: unknown, ref: unknown, digest: unknown) =>
    linkHash(typeof prev === 'string' ? prev : GENESIS_HASH, String(kind), String(ref), String(digest)),
  );
}

/** SELECT list of a kind's source columns, aliased `<kind>__<i>`, for the verifier's join. */
export function sourceColumns(def: KindDef, alias: string): string {
  return def.fields.map(([, col], i) => `${alias}.${col} AS ${def.kind}__${i}`).join(', ');
}
