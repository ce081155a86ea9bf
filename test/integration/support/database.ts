// Looking into the SQLite file directly, as an auditor would, after the server has closed it.
import { openDatabase } from '../../../server/src/store/sqlite/database';

export function countRows(dataDir: string): { events: number; judgements: number } {
  const db = openDatabase(dataDir);
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { events: count('events'), judgements: count('judgements') };
  } finally {
    db.close();
  }
}
