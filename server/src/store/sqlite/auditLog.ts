// The audit log: who changed what and when (configuration changes, corrections, exports, pruning), append-only
// and chained.
import type Database from 'better-sqlite3';
import { canonicalJson } from '../../domain/canonical';
import { chainWriter } from './chain';
import { storableText } from './text';

export interface AuditEntry {
  keyId: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

const statements = new WeakMap<Database.Database, Database.Statement>();

/** Appends an entry and its chain link; returns its seq. */
export function appendAuditLog(db: Database.Database, e: AuditEntry, atMs: number): number {
  let insert = statements.get(db);
  if (!insert) statements.set(db, (insert = db.prepare('INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES (?, ?, ?, ?, ?) RETURNING seq, key_id, action, target, details, at_ms').raw(true)));
  const row = insert.get(storableText(e.keyId), storableText(e.action), storableText(e.target), canonicalJson(e.details), atMs) as unknown[];
  chainWriter(db).append('audit', row, atMs);
  return row[0] as number;
}
