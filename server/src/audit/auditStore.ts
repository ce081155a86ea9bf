// The audit side of the store: the audit log, corrections (void / amend) with their compensating rollup deltas,
// the chain head, and read-only connections for exports and verification.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StandardVersion } from '../protocol';
import { planCorrection, statesOf, type CorrectionInput, type EffectiveJudgement } from '../domain/corrections';
import { DomainError } from '../domain/errors';
import { GENESIS_HASH } from '../domain/chain';
import { appendAuditLog, type AuditEntry } from '../store/sqlite/auditLog';
import { CorrectionStore } from '../store/sqlite/corrections';
import { pruneEvents, retentionHorizon, type PruneResult, type RetentionHorizon } from './retention';

export type { AuditEntry } from '../store/sqlite/auditLog';
export type { CorrectionInput, EffectiveJudgement } from '../domain/corrections';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface CorrectionResult {
  seq: number;
  eventId: string;
  eventSeq: number;
  action: 'void' | 'amend';
  /** Judgements in force after the correction (standard id → met/counted/value/reason). */
  judgements: Record<string, EffectiveJudgement>;
  previous: Record<string, EffectiveJudgement>;
  at: string;
}

export interface AuditStore {
  dbPath: string;
  dataDir: string;
  log(entry: AuditEntry): number;
  head(): ChainHead;
  correct(eventId: string, input: CorrectionInput, keyId: string, versions: (id: string) => StandardVersion[], ringCycle: (site: string) => number | undefined): CorrectionResult;
  /** A read-only connection for a streaming export/verification (own snapshot; close it when done). */
  openReader(): Database.Database;
  /** Deletes raw events older than `retainDays` (rollups stay) and writes a signed, chained checkpoint. */
  prune(retainDays: number): PruneResult;
  /** Since when raw events are complete (the latest pruning cutoff); null = nothing was ever pruned. */
  retention(): RetentionHorizon | null;
  /** HMAC key for retention checkpoints (<data>/audit.secret, created on first use, mode 0600). */
  secret(): Buffer;
}

export const SECRET_FILE = 'audit.secret';
/** Page cache of a read connection, in KiB. */
const READER_CACHE_KB = 2048;

export function readSecret(dataDir: string, create: boolean): Buffer | null {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    if (!create) return null;
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

export function createAuditStore(db: Database.Database, dbPath: string, dataDir: string, now: () => number): AuditStore {
  const headRow = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1');
  const corrections = new CorrectionStore(db);
  let secret: Buffer | null = null;

  const log = (e: AuditEntry) => appendAuditLog(db, e, now());

  const correct = db.transaction(
    (eventId: string, input: CorrectionInput, keyId: string, versions: (id: string) => StandardVersion[], ringCycle: (site: string) => number | undefined): CorrectionResult => {
      const subject = corrections.subject(eventId);
      if (!subject) throw new DomainError('not-found', 'id', `unknown event "${eventId}"`);
      const before = statesOf(subject.recorded, subject.corrections).at(-1)!;
      const { changes, after } = planCorrection(subject.event, before, input, { versions, ringCycleSeconds: ringCycle(subject.event.site) ?? 6 });
      const at = now();
      const e = subject.event;
      const seq = corrections.append(subject, { eventSeq: e.seq, action: input.action, changes, rejudged: after.judgements, reason: input.reason, keyId, atMs: at }, after);
      log({ keyId, action: `event.${input.action}`, target: e.id, details: { eventSeq: e.seq, correctionSeq: seq, reason: input.reason, ...(input.action === 'amend' ? { changes: input.changes } : {}) } });
      return { seq, eventId: e.id, eventSeq: e.seq, action: input.action, judgements: after.judgements, previous: before.judgements, at: new Date(at).toISOString() };
    },
  );

  return {
    dbPath,
    dataDir,
    log,
    head: () => headRow.get() ?? { seq: 0, hash: GENESIS_HASH },
    correct: (eventId, input, keyId, versions, ringCycle) => correct(eventId, input, keyId, versions, ringCycle),
    openReader() {
      const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
      reader.pragma('busy_timeout = 5000');
      // Readers scan in index order (exports, verify): a small page cache does as well as better-sqlite3's
      // 16 MB default, which an export of a large store fills, adding 16 MB to the RSS per open export.
      reader.pragma(`cache_size = -${READER_CACHE_KB}`);
      return reader;
    },
    secret() {
      secret ??= readSecret(dataDir, true)!;
      return secret;
    },
    prune(retainDays) {
      secret ??= readSecret(dataDir, true)!;
      return pruneEvents(db, retainDays, secret, now());
    },
    retention: () => retentionHorizon(db),
  };
}
