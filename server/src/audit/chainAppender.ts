// Issue #7: the batch writer appends the event and judgement links of the hash chain itself, in JavaScript,
// instead of two SQLite triggers calling JavaScript functions per row (9–15 converted arguments each, plus a
// head lookup per link). Same records, same digests, same links as migration 5's triggers (records.ts is the
// one definition; test/integration/batchWriter.test.ts compares both on the same rows).
//
// The head is read once per written batch and then carried in memory: one connection writes, synchronously, so
// nothing can append in between — except the triggers of the rare kinds this writer causes itself (a site created
// on first sight chains its site_history row), after which the writer calls readHead() again. Each link is
// inserted with its explicit seq, so a stale head could only fail loudly (primary key), never fork the chain.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, KIND_BY_NAME, linkHash, recordJsonOf, sha256 } from './records';

/** The events row as inserted, in KINDS' 'event' field order. */
export type EventValues = readonly [
  seq: number, id: string, type: string, site: string, occurredAtMs: number, occurredAt: string, receivedAtMs: number, outcome: string,
  rings: number | null, answerSeconds: number | null, greetSeconds: number | null, queue: string | null, agent: string | null, derived: string, content: string,
];

/** The judgements row as inserted, in KINDS' 'judgement' field order. */
export type JudgementValues = readonly [
  eventSeq: number, standardId: string, standardVersion: number, measure: string, value: number | null, threshold: number, met: 0 | 1, counted: 0 | 1, reason: string | null,
];

export interface ChainAppender {
  /** Reads the chain head; call at the start of every write and after anything that may have chained a row. */
  readHead(): void;
  event(values: EventValues): void;
  judgement(values: JudgementValues): void;
}

export function createChainAppender(db: Database.Database): ChainAppender {
  const head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const eventJson = recordJsonOf(KIND_BY_NAME.get('event')!);
  const judgementJson = recordJsonOf(KIND_BY_NAME.get('judgement')!);
  let seq = 0;
  let prev = GENESIS_HASH;
  let atMs = 0;

  function append(kind: 'event' | 'judgement', ref: string, eventSeq: number, keyText: string | null, json: string): void {
    const digest = sha256(json);
    const hash = linkHash(prev, kind, ref, digest);
    // at_ms is not hashed; the triggers stored the statement's clock, this stores the batch's.
    insert.run(seq + 1, kind, ref, eventSeq, keyText, null, digest, hash, atMs);
    seq += 1;
    prev = hash;
  }

  return {
    readHead() {
      const row = head.get();
      seq = row?.seq ?? 0;
      prev = row?.hash ?? GENESIS_HASH;
      atMs = Date.now();
    },
    event: (v) => append('event', String(v[0]), v[0], null, eventJson(v)),
    judgement: (v) => append('judgement', `${v[0]}/${v[1]}`, v[0], v[1], judgementJson(v)),
  };
}
