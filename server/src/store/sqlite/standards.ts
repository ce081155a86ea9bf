// Standard versions as stored: the definition exactly as judged with; append-only and chained, a withdrawal of a
// version not yet in force recorded beside it (standard_withdrawals, chained too), never by changing its row. And the event types
// defined over the API (one row each, replaced by a change; the change itself is in the chained audit log).
import type { Standard } from '../../protocol';
import type { EventTypeDefinition } from '../../protocol/eventTypes';
import type { NewStandardVersion, StandardsReads, StoredStandardVersion } from '../port';
import { chainWriter } from './chain';
import type { Statements } from './database';
import { storableText } from './text';

interface Row {
  id: string;
  version: number;
  definition: string;
  created_at_ms: number;
  valid_from_ms: number | null;
  retired: 0 | 1;
  withdrawn_at_ms: number | null;
  withdrawn_link_seq: number | null;
}

const toRecord = (r: Row): StoredStandardVersion => ({
  id: r.id,
  version: r.version,
  definition: JSON.parse(r.definition) as Standard,
  createdAtMs: r.created_at_ms,
  validFromMs: r.valid_from_ms,
  retired: r.retired === 1,
  withdrawnAtMs: r.withdrawn_at_ms,
  withdrawnLinkSeq: r.withdrawn_link_seq,
});

/**
 * Every version with when it was withdrawn and the seq of the withdrawal's link (null: not; the link's place in the
 * chain is what an export as of a link goes by), and withdrawing one (both backends). The latest link of the key is
 * the one of the row stored: an earlier one could only be of a row deleted outside Ringside.
 */
export const STANDARD_VERSIONS = `SELECT s.*, w.withdrawn_at_ms,
    (SELECT MAX(c.seq) FROM audit_chain c WHERE c.kind = 'standardWithdrawal' AND c.key_int = w.version AND c.key_text = w.standard_id) AS withdrawn_link_seq
  FROM standards s LEFT JOIN standard_withdrawals w ON w.standard_id = s.id AND w.version = s.version ORDER BY s.id, s.version`;
export const WITHDRAW_STANDARD_VERSION = 'INSERT INTO standard_withdrawals (standard_id, version, withdrawn_at_ms) VALUES (?, ?, ?) RETURNING standard_id, version, withdrawn_at_ms';

export function standardsReads(s: Statements): StandardsReads {
  return {
    all: async () => (s.get(STANDARD_VERSIONS).all() as Row[]).map(toRecord),
    judgedSince: async (id, fromMs) =>
      (s.get('SELECT COUNT(*) AS n FROM (SELECT 1 FROM judgements j JOIN events e ON e.seq = j.event_seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ? LIMIT 1)').get(id, fromMs) as { n: number }).n > 0,
    latestJudgedAt: async (id, fromMs) =>
      (s.get('SELECT MAX(e.occurred_at_ms) AS ms FROM events e JOIN judgements j ON j.event_seq = e.seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ?').get(id, fromMs) as { ms: number | null }).ms,
    eventTypes: async () => (s.get(EVENT_TYPES).all() as Array<{ definition: string }>).map(toEventType),
  };
}

/** The event types defined over the API, and creating or replacing one (both backends). */
export const EVENT_TYPES = 'SELECT definition FROM event_types ORDER BY id';
export const PUT_EVENT_TYPE = `INSERT INTO event_types (id, definition, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at_ms = excluded.updated_at_ms`;
export const toEventType = (r: { definition: string }) => JSON.parse(r.definition) as EventTypeDefinition;

export function writeEventType(s: Statements, def: EventTypeDefinition, atMs: number): void {
  s.get(PUT_EVENT_TYPE).run(def.id, JSON.stringify(def), atMs, atMs);
}

/** Appends a version (with its chain link). The definition's free text is stored as SQLite can keep it (text.ts). */
export function writeStandardVersion(s: Statements, v: NewStandardVersion, atMs: number): void {
  const row = s
    .raw('INSERT INTO standards (id, version, definition, created_at_ms, valid_from_ms, retired) VALUES (?, ?, ?, ?, ?, ?) RETURNING id, version, definition, created_at_ms, valid_from_ms, retired')
    .get(storableText(v.id), v.version, JSON.stringify(storableDefinition(v.definition)), atMs, v.validFromMs, v.retired ? 1 : 0) as unknown[];
  chainWriter(s.db).append('standard', row, atMs);
}

/** Records a version's withdrawal (with its chain link: a withdrawal stops the version being in force). */
export function writeStandardWithdrawal(s: Statements, id: string, version: number, atMs: number): void {
  chainWriter(s.db).append('standardWithdrawal', s.raw(WITHDRAW_STANDARD_VERSION).get(id, version, atMs) as unknown[], atMs);
}

/** The definition with its free text as SQLite will store it. */
function storableDefinition(def: Standard): Standard {
  const list = (names: string[] | undefined) => names?.map((n) => storableText(n));
  const scope = def.scope && { ...def.scope, ...(def.scope.sites ? { sites: list(def.scope.sites) } : {}), ...(def.scope.queues ? { queues: list(def.scope.queues) } : {}) };
  return { ...def, id: storableText(def.id), name: storableText(def.name), ...(scope ? { scope } : {}) };
}
