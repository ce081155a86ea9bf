// Direct reads of a Ringside data folder (after its server stopped) and the raw-insert baseline.
import { serverRequire } from './common.mjs';
import { join } from 'node:path';

export const Database = serverRequire('better-sqlite3');

export function countStored(dir) {
  const db = new Database(join(dir, 'ringside.db'), { readonly: true });
  try {
    const one = (sql) => db.prepare(sql).get().n;
    return { events: one('SELECT COUNT(*) AS n FROM events'), judgements: one('SELECT COUNT(*) AS n FROM judgements'), chain: one('SELECT COUNT(*) AS n FROM audit_chain') };
  } finally {
    db.close();
  }
}
