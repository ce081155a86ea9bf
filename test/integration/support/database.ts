// Looking into the SQLite file directly, as an auditor would, after the server has closed it.
import { databasePath, openDatabase, openReader } from '../../../server/src/store/sqlite/database';
import { CHAIN_TABLES, chainWriter } from '../../../server/src/store/sqlite/chain';
import { rebuildRollups } from '../../../server/src/store/sqlite/rebuild';

export function countRows(dataDir: string): { events: number; judgements: number } {
  const db = openDatabase(dataDir);
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { events: count('events'), judgements: count('judgements') };
  } finally {
    db.close();
  }
}

/**
 * For fixtures written with plain SQL (fast, far more rows than the ingest path would write in a test's time):
 * chains the standard versions, then the events and judgements, nothing has chained yet, in seq order, and rebuilds
 * the rollups, with the store's own writers, so the file is what the store would have written (an event export
 * carries the chained record of each standard version its rows name).
 */
export function chainAndRollUp(db: ReturnType<typeof openDatabase>): void {
  const chain = chainWriter(db);
  const unchained = db.prepare(`SELECT ${CHAIN_TABLES.standard.columns.map((c) => `t.${c}`).join(', ')} FROM standards t WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.kind = 'standard' AND ${CHAIN_TABLES.standard.join}) ORDER BY t.created_at_ms, t.id, t.version`).raw(true).all() as unknown[][];
  chain.begin();
  try {
    db.transaction(() => unchained.forEach((v) => chain.append('standard', v, Date.now())))();
  } finally {
    chain.end();
  }
  const chained = (db.prepare("SELECT COALESCE(MAX(event_seq), 0) AS m FROM audit_chain WHERE kind = 'event'").get() as { m: number }).m;
  const last = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM events').get() as { m: number }).m;
  const events = db.prepare(`SELECT ${CHAIN_TABLES.event.columns.join(', ')} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq`).raw(true);
  const judgements = db.prepare(`SELECT ${CHAIN_TABLES.judgement.columns.join(', ')} FROM judgements WHERE event_seq > ? AND event_seq <= ? ORDER BY event_seq, standard_id`).raw(true);
  const at = Date.now();
  for (let from = chained; from < last; from += 50_000) {
    const rows = events.all(from, from + 50_000) as unknown[][];
    const byEvent = new Map<unknown, unknown[][]>();
    for (const j of judgements.all(from, from + 50_000) as unknown[][]) byEvent.set(j[0], [...(byEvent.get(j[0]) ?? []), j]);
    chain.begin();
    try {
      db.transaction(() => {
        for (const e of rows) {
          chain.append('event', e, at);
          for (const j of byEvent.get(e[0]) ?? []) chain.append('judgement', j, at);
        }
      })();
    } finally {
      chain.end();
    }
  }
  rebuildRollups(db);
}

/** A rollup or histogram table's rows, in key order (what an auditor would compare). */
export function dumpTable(db: ReturnType<typeof openDatabase>, table: 'rollup_minute' | 'rollup_15m' | 'rollup_hour' | 'value_hist_day' | 'value_hist_15m'): Array<Record<string, number>> {
  const value = table.startsWith('value_hist') ? ', value' : '';
  return db.prepare(`SELECT * FROM ${table} ORDER BY standard_id, bucket_ms, site, standard_version${value}`).all() as Array<Record<string, number>>;
}

/** A read-only connection to a data directory's file (the store's own connections aside). */
export function readFile(dataDir: string): ReturnType<typeof openDatabase> {
  return openReader(databasePath(dataDir));
}
