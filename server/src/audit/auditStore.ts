// The audit side of the store (issue #6): the audit log, corrections (void / amend) with their compensating
// rollup deltas, the chain head, and read-only connections for exports and verification.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Judgement, Outcome, StandardVersion } from '../protocol';
import { canonicalJson } from '../domain/canonical';
import { judgeAgainst } from '../domain/judge';
import { completeMeasurements } from '../domain/measures';
import { ROLLUP_GRAINS } from '../store/rollupSql';
import { GENESIS_HASH } from './records';

import { pruneEvents, retentionHorizon, type PruneResult, type RetentionHorizon } from './retention';
import { storableText } from '../store/text';

/** Same columns as judgements; what the engine's raw-path figures read (docs/audit.md "Corrections"). */
const EFFECTIVE_JUDGEMENTS_VIEW = `
    CREATE VIEW IF NOT EXISTS audit_effective_judgements AS
      SELECT j.event_seq AS event_seq, j.standard_id AS standard_id, j.standard_version AS standard_version, j.measure AS measure,
        CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".value') ELSE j.value END AS value,
        j.threshold AS threshold,
        CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".met'), j.met) ELSE j.met END AS met,
        CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".counted'), j.counted) ELSE j.counted END AS counted,
        CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".reason') ELSE j.reason END AS reason
      FROM judgements j
      LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = j.event_seq)
      WHERE lc.action IS NOT 'void';`;

export interface AuditEntry {
  keyId: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type CorrectionInput =
  | { action: 'void'; reason: string }
  | { action: 'amend'; reason: string; changes: { outcome?: Outcome; rings?: number; answerSeconds?: number; greetSeconds?: number } };

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

export interface EffectiveJudgement {
  standardVersion: number;
  measure: string;
  value: number | null;
  threshold: number;
  met: 0 | 1;
  counted: 0 | 1;
  reason: string | null;
}

export class CorrectionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AuditStore {
  dbPath: string;
  dataDir: string;
  log(entry: AuditEntry): number;
  head(): ChainHead;
  correct(eventId: string, input: CorrectionInput, keyId: string, versions: (id: string) => StandardVersion[], ringCycle: (site: string) => number | undefined): CorrectionResult;
  /**
   * Re-applies every correction's rollup delta (after the engine's rebuildRollups wiped them); with `fromMs`,
   * those of events from then on (the rebuilt part after pruning).
   */
  reapplyCorrectionDeltas(fromMs?: number): void;
  /** A read-only connection for a streaming export/verification (own snapshot; close it when done). */
  openReader(): Database.Database;
  /** Deletes raw events older than `retainDays` (rollups stay) and writes a signed, chained checkpoint. */
  prune(retainDays: number): PruneResult;
  /** Since when raw events are complete (the latest pruning cutoff); null = nothing was ever pruned. */
  retention(): RetentionHorizon | null;
  /** HMAC key for retention checkpoints (<data>/audit.secret, created on first use, mode 0600). */
  secret(): Buffer;
}

interface EventRow {
  seq: number;
  id: string;
  type: 'call' | 'visit';
  site: string;
  occurred_at_ms: number;
  outcome: Outcome;
  rings: number | null;
  answer_seconds: number | null;
  greet_seconds: number | null;
  queue: string | null;
  derived: string;
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

/** Re-applies every correction's compensating rollup delta (called by the engine's rebuildRollups); see reapplyCorrectionDeltas. */
export function reapplyCorrections(db: Database.Database, fromMs?: number): void {
  createAuditStore(db, '', '', Date.now).reapplyCorrectionDeltas(fromMs);
}

export function createAuditStore(db: Database.Database, dbPath: string, dataDir: string, now: () => number): AuditStore {
  if (!db.readonly) db.exec(EFFECTIVE_JUDGEMENTS_VIEW); // IF NOT EXISTS: files migrated to 5 before the view existed
  const insertLog = db.prepare('INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES (?, ?, ?, ?, ?)');
  const headRow = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1');
  const eventById = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
  const judgementsOf = db.prepare<[number], { standard_id: string; standard_version: number; measure: string; value: number | null; threshold: number; met: 0 | 1; counted: 0 | 1; reason: string | null }>(
    'SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id',
  );
  const correctionsOf = db.prepare<[number], { seq: number; action: 'void' | 'amend'; changes: string; rejudged: string }>('SELECT * FROM audit_corrections WHERE event_seq = ? ORDER BY seq');
  const insertCorrection = db.prepare('INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const deltas = ROLLUP_GRAINS.map((g) => ({
    grain: g.ms,
    stmt: db.prepare(`
      INSERT INTO ${g.table} (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
      VALUES (@bucket, @standardId, @version, @site, @judged, @counted, @met, @considered, @abandoned, @valueN, @valueSum, @waitMax)
      ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET
        judged = judged + excluded.judged, counted = counted + excluded.counted, met = met + excluded.met,
        considered = considered + excluded.considered, abandoned = abandoned + excluded.abandoned,
        value_n = value_n + excluded.value_n, value_sum = value_sum + excluded.value_sum,
        wait_max = CASE WHEN excluded.wait_max IS NULL THEN wait_max WHEN wait_max IS NULL THEN excluded.wait_max ELSE max(wait_max, excluded.wait_max) END`),
  }));
  let secret: Buffer | null = null;

  const log = (e: AuditEntry) => Number(insertLog.run(storableText(e.keyId), storableText(e.action), storableText(e.target), canonicalJson(e.details), now()).lastInsertRowid);

  /** The state of an event after all its corrections: void, or its effective measures and judgements. */
  function effective(e: EventRow) {
    let voided = false;
    const fields = { outcome: e.outcome, rings: e.rings, answerSeconds: e.answer_seconds, greetSeconds: e.greet_seconds, derived: JSON.parse(e.derived) as string[] };
    let judgements: Record<string, EffectiveJudgement> = Object.fromEntries(
      judgementsOf.all(e.seq).map((j) => [j.standard_id, { standardVersion: j.standard_version, measure: j.measure, value: j.value, threshold: j.threshold, met: j.met, counted: j.counted, reason: j.reason }]),
    );
    for (const c of correctionsOf.all(e.seq)) {
      if (c.action === 'void') voided = true;
      else {
        const ch = JSON.parse(c.changes) as { fields?: typeof fields };
        if (ch.fields) Object.assign(fields, ch.fields);
      }
      judgements = JSON.parse(c.rejudged) as Record<string, EffectiveJudgement>;
    }
    return { voided, fields, judgements };
  }

  /** Adds (sign 1) or removes (sign −1) judgements' contributions to every rollup grain. */
  function applyDelta(e: EventRow, outcome: Outcome, waits: { answerSeconds: number | null; greetSeconds: number | null }, judgements: Record<string, EffectiveJudgement>, sign: 1 | -1) {
    for (const [standardId, j] of Object.entries(judgements)) {
      const considered = j.reason !== 'outside-hours';
      const success = considered && (outcome === 'answered' || outcome === 'greeted');
      const wait = e.type === 'call' ? waits.answerSeconds : waits.greetSeconds;
      for (const d of deltas) {
        d.stmt.run({
          bucket: e.occurred_at_ms - (((e.occurred_at_ms % d.grain) + d.grain) % d.grain),
          standardId,
          version: j.standardVersion,
          site: e.site,
          judged: sign,
          counted: sign * j.counted,
          met: sign * j.met,
          considered: sign * (considered ? 1 : 0),
          abandoned: sign * (considered && (outcome === 'abandoned' || outcome === 'left') ? 1 : 0),
          valueN: sign * (success && j.value !== null ? 1 : 0),
          valueSum: sign * (success && j.value !== null ? j.value : 0),
          // A maximum cannot be taken back: removals leave wait_max as it was (docs/audit.md).
          waitMax: sign === 1 && considered ? wait : null,
        });
      }
    }
  }

  const correct = db.transaction(
    (eventId: string, input: CorrectionInput, keyId: string, versions: (id: string) => StandardVersion[], ringCycle: (site: string) => number | undefined): CorrectionResult => {
      const e = eventById.get(storableText(eventId));
      if (!e) throw new CorrectionError(404, 'id', `unknown event "${eventId}"`);
      const before = effective(e);
      if (before.voided) throw new CorrectionError(409, 'id', `event "${eventId}" is already void; a void is final`);
      let rejudged: Record<string, EffectiveJudgement> = {};
      let changes: Record<string, unknown> = {};
      const after = { ...before.fields };
      if (input.action === 'amend') {
        const c = input.changes;
        if (e.type === 'call' && c.greetSeconds !== undefined) throw new CorrectionError(400, 'changes.greetSeconds', 'a call has no greetSeconds');
        if (e.type === 'visit' && (c.rings !== undefined || c.answerSeconds !== undefined)) throw new CorrectionError(400, c.rings !== undefined ? 'changes.rings' : 'changes.answerSeconds', 'a visit has no rings or answerSeconds');
        if (c.outcome !== undefined && !(e.type === 'call' ? ['answered', 'abandoned'] : ['greeted', 'left']).includes(c.outcome)) {
          throw new CorrectionError(400, 'changes.outcome', e.type === 'call' ? 'must be answered or abandoned for a call' : 'must be greeted or left for a visit');
        }
        if (c.outcome !== undefined) after.outcome = c.outcome;
        if (e.type === 'visit') {
          if (c.greetSeconds !== undefined) after.greetSeconds = c.greetSeconds;
          after.derived = [];
        } else {
          // What stays measured: the fields the correction gives, plus earlier measured ones it does not replace.
          const measured: { rings?: number; answerSeconds?: number } = {};
          if (c.rings !== undefined || c.answerSeconds !== undefined) {
            if (c.rings !== undefined) measured.rings = c.rings;
            if (c.answerSeconds !== undefined) measured.answerSeconds = c.answerSeconds;
          } else {
            if (!before.fields.derived.includes('rings') && before.fields.rings !== null) measured.rings = before.fields.rings;
            if (!before.fields.derived.includes('answerSeconds') && before.fields.answerSeconds !== null) measured.answerSeconds = before.fields.answerSeconds;
          }
          const m = completeMeasurements({ type: 'call', site: e.site, occurredAt: '', outcome: after.outcome as 'answered', ...measured } as never, ringCycle(e.site) ?? 6);
          after.rings = m.rings;
          after.answerSeconds = m.answerSeconds;
          after.derived = m.derived;
        }
        const judgeable = { type: e.type, outcome: after.outcome, rings: after.rings, answerSeconds: after.answerSeconds, greetSeconds: after.greetSeconds, site: e.site, queue: e.queue };
        for (const [standardId, j] of Object.entries(before.judgements)) {
          const def = versions(standardId).find((v) => v.version === j.standardVersion);
          if (!def) continue;
          const r: Judgement = judgeAgainst(judgeable, def, j.reason !== 'outside-hours');
          rejudged[standardId] = { standardVersion: r.standardVersion, measure: r.measure, value: r.value, threshold: r.threshold, met: r.met ? 1 : 0, counted: r.counted ? 1 : 0, reason: r.reason };
        }
        changes = { given: c, fields: after };
      }
      const at = now();
      const seq = Number(insertCorrection.run(e.seq, input.action, canonicalJson(changes), canonicalJson(rejudged), storableText(input.reason), storableText(keyId), at).lastInsertRowid);
      applyDelta(e, before.fields.outcome, before.fields, before.judgements, -1);
      if (input.action === 'amend') applyDelta(e, after.outcome, after, rejudged, 1);
      log({ keyId, action: `event.${input.action}`, target: e.id, details: { eventSeq: e.seq, correctionSeq: seq, reason: input.reason, ...(input.action === 'amend' ? { changes: input.changes } : {}) } });
      return { seq, eventId: e.id, eventSeq: e.seq, action: input.action, judgements: rejudged, previous: before.judgements, at: new Date(at).toISOString() };
    },
  );

  return {
    dbPath,
    dataDir,
    log,
    head: () => headRow.get() ?? { seq: 0, hash: GENESIS_HASH },
    correct: (eventId, input, keyId, versions, ringCycle) => correct(eventId, input, keyId, versions, ringCycle),
    reapplyCorrectionDeltas: db.transaction((fromMs?: number) => {
      // Replays corrections in order from the original judgements: each removes the previous state, adds the new.
      const events = db
        .prepare<[number], EventRow>('SELECT e.* FROM events e WHERE e.seq IN (SELECT DISTINCT event_seq FROM audit_corrections) AND e.occurred_at_ms >= ? ORDER BY e.seq')
        .all(fromMs ?? Number.MIN_SAFE_INTEGER);
      for (const e of events) {
        let fields = { outcome: e.outcome, answerSeconds: e.answer_seconds, greetSeconds: e.greet_seconds };
        let judgements = Object.fromEntries(
          judgementsOf.all(e.seq).map((j) => [j.standard_id, { standardVersion: j.standard_version, measure: j.measure, value: j.value, threshold: j.threshold, met: j.met, counted: j.counted, reason: j.reason }]),
        ) as Record<string, EffectiveJudgement>;
        for (const c of correctionsOf.all(e.seq)) {
          applyDelta(e, fields.outcome, fields, judgements, -1);
          const next = JSON.parse(c.rejudged) as Record<string, EffectiveJudgement>;
          const ch = JSON.parse(c.changes) as { fields?: typeof fields };
          if (c.action === 'amend' && ch.fields) {
            fields = { outcome: ch.fields.outcome, answerSeconds: ch.fields.answerSeconds, greetSeconds: ch.fields.greetSeconds };
            applyDelta(e, fields.outcome, fields, next, 1);
          }
          judgements = next;
        }
      }
    }),
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
