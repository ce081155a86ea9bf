// Retention: raw events older than N days, and the milestones of closed cases older than that, are deleted
// (rollups and value histograms stay) under a signed, chained checkpoint; at start and then daily with --retain-days N, or once with `prune --data DIR --retain-days N`.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import { checkpointHmac, pruneCutoff } from '../domain/retention';
import type { Store } from '../store/port';
import type { AuditService } from './audit';
import { logJobFailure, type JobFailed } from './storageWatch';

const DAY_MS = 86_400_000;

export interface PruneResult {
  prunedBeforeMs: number;
  events: number;
  judgements: number;
  milestones: number;
  checkpointSeq: number | null;
}

/** Prunes in one write: the deletions, the checkpoint, and its audit log entry. Refused on a node whose audit.secret is not the store's. */
export async function prune(store: Store, audit: AuditService, retainDays: number): Promise<PruneResult> {
  const secret = await audit.signingSecret();
  return store.write(async (tx) => {
    const cutoff = pruneCutoff(tx.nowMs, retainDays);
    const r = await tx.writes.prune(cutoff, (fields) => checkpointHmac(secret, fields));
    if (r.checkpointSeq !== null) {
      await tx.writes.auditLog({ keyId: 'system', action: 'retention.prune', target: null, details: { checkpointSeq: r.checkpointSeq, events: r.events, judgements: r.judgements, milestones: r.milestones, prunedBefore: new Date(cutoff).toISOString(), retainDays } });
    }
    return { prunedBeforeMs: cutoff, events: r.events, judgements: r.judgements, milestones: r.milestones, checkpointSeq: r.checkpointSeq };
  });
}

/** --retain-days N: prune at start (done when this resolves), then once a day. */
export async function startRetention(store: Store, audit: AuditService, retainDays: number | undefined, logger: Logger, clock: Clock = systemClock, jobFailed: JobFailed = logJobFailure): Promise<{ stop(): void } | null> {
  if (!retainDays) return null;
  const run = () =>
    prune(store, audit, retainDays).then(
      (r) => {
        if (r.checkpointSeq !== null) logger.info({ ...r, retainDays }, 'retention: pruned raw events and milestones');
      },
      (error: unknown) => jobFailed(error, logger, 'retention: pruning failed'),
    );
  await run();
  const timer = clock.setInterval(() => void run(), DAY_MS);
  return { stop: () => clock.clearInterval(timer) };
}
