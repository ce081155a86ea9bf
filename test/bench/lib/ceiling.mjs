// The ceiling of an ingest path: what the product's own ingest reaches in process once durability and the proof are
// traded away (`ingestCeiling` in storeTools.ts). A row the ceiling misses cannot be met by a cheaper fsync or a
// cheaper proof; what is left is the product's own work per record.
import { join } from 'node:path';
import { loadStoreTools } from './build.mjs';
import { fmt, removeDir, tempDir } from './common.mjs';
import { withClient } from './pgFixture.mjs';

/**
 * Medians of alternating in-process runs of `batches` through the ingest `kind` ('events' | 'milestones'); events
 * `group` batches per write, as the server's group commit merges that many concurrent POSTs at most.
 */
export async function measureCeiling(kind, batches, { group = 1 } = {}) {
  const tools = await loadStoreTools();
  const root = tempDir('ceiling');
  try {
    return await tools.ingestCeiling(kind, batches, (tag) => join(root, tag), { group });
  } finally {
    removeDir(root);
  }
}

/**
 * The PostgreSQL batch row's ceiling (`pgIngestCeiling` in storeTools.ts): `batches` through the product's ingest in
 * process by `connections` submitters, each variant on a fresh database from `database()`.
 */
export async function measurePgCeiling(batches, database, { connections }) {
  const tools = await loadStoreTools();
  return tools.pgIngestCeiling(batches, database, withClient, { connections });
}

const perSecond = (us) => 1e6 / us;

/** The detail line: each variant's µs per record, and the rate the last leaves against the raw loop. */
export function ceilingDetail(ceiling, { unit, rawPerSecond, group = 1, base = 'raw', postgres = null }) {
  const top = perSecond(ceiling.noFsyncNoProof);
  const leaves = `at most ${fmt(top)} ${unit}s/s = ${(top / rawPerSecond).toFixed(2)} × ${base}`;
  if (postgres) {
    return `What trading durability and the proof away would leave (\`pgIngestCeiling\` in test/bench/lib/storeTools.ts: the product's own ingest in process on a fresh PostgreSQL database per run, no HTTP, no live push, no open clocks; ${postgres.connections} submitters posting the case's batches through the server's group commit, as its ${postgres.connections} connections do; wall time per ${unit}, medians of 3 alternating runs after a warm-up): as shipped, durable and chained, ${fmt(ceiling.shipped, 1)} µs; without waiting for the commit's WAL flush (synchronous_commit = off) ${fmt(ceiling.noFsync, 1)} µs; without that and without any per-record proof (no chain link hashed or written) ${fmt(ceiling.noFsyncNoProof, 1)} µs, ${leaves}.`;
  }
  const grouped = group > 1 ? `, ${group} batches per write as the group commit merges ${group} concurrent POSTs at best` : '';
  return `What trading durability and the proof away would leave (\`ingestCeiling\` in test/bench/lib/storeTools.ts: the product's own ingest in process on a fresh store, no HTTP, no live push, no open clocks${grouped}; wall time of its one thread per ${unit}, medians of 3 alternating runs after a warm-up): as shipped, durable and chained, ${fmt(ceiling.shipped, 1)} µs; without the fsync (synchronous = OFF) ${fmt(ceiling.noFsync, 1)} µs; without the fsync and without any per-record proof (no chain link hashed or written) ${fmt(ceiling.noFsyncNoProof, 1)} µs, ${leaves}.`;
}

/** Whether the ceiling rules the target out (`meets(rate)` false at its rate), in this run's figures, or `null` when it leaves room. */
export function ceilingVerdict(ceiling, { unit, rawPerSecond, meets, leftWork, base = 'raw', postgres = null }) {
  const top = perSecond(ceiling.noFsyncNoProof);
  if (meets(top)) return null;
  const flush = postgres ? 'waiting for the commit to be flushed' : 'the fsync';
  return `Nor can giving up durability or the proof meet it: with neither ${flush} nor any per-record proof, and without HTTP, the product's ingest runs at most ${fmt(top)} ${unit}s/s here (${(top / rawPerSecond).toFixed(2)} × ${base}; the ceiling above); the ${fmt(ceiling.noFsyncNoProof, 1)} µs per ${unit} left are its own work: ${leftWork}.`;
}
