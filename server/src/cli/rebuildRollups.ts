// `node server/dist/main.js rebuild-rollups --data DIR`: recomputes the rollup tables from raw events
// (the source of truth; after retention pruning, from the cutoff on). Safe while no server writes to DIR; a
// running server's ingest would wait for it.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../store/sqlite/database';
import { ROLLUP_TABLE } from '../store/sqlite/rollups';
import { createEngineQueries } from '../store/rollupQueries';

export const REBUILD_COMMAND = 'rebuild-rollups';

export function runRebuildRollups(args: readonly string[], io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) }): number {
  let data: string | undefined;
  try {
    ({ values: { data } } = parseArgs({ args: [...args], strict: true, options: { data: { type: 'string' } } }));
  } catch (error) {
    io.err(`ringside ${REBUILD_COMMAND}: ${(error as Error).message}\n`);
    return 2;
  }
  if (!data) {
    io.err(`ringside ${REBUILD_COMMAND}: --data DIR is required\n`);
    return 2;
  }
  try {
    const db = openDatabase(resolve(data));
    try {
      const started = Date.now();
      createEngineQueries(db).rebuildRollups();
      const counts = Object.values(ROLLUP_TABLE).map((table) => `${table}: ${(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n} rows`);
      io.out(`rollups rebuilt in ${Date.now() - started} ms (${counts.join(', ')})\n`);
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    io.err(`ringside ${REBUILD_COMMAND}: ${(error as Error).message}\n`);
    return 1;
  }
}
