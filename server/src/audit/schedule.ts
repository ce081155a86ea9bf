// --retain-days N: prune at start, then once a day (issue #6).
import type { Logger } from 'pino';
import type { Store } from '../store/store';
import { systemClock, type Clock } from '../clock';

const DAY_MS = 86_400_000;

export function startRetention(store: Store, retainDays: number | undefined, logger: Logger, clock: Clock = systemClock): { stop(): void } | null {
  if (!retainDays) return null;
  const run = () => {
    try {
      const r = store.audit.prune(retainDays);
      if (r.events > 0) logger.info({ ...r, retainDays }, 'retention: pruned raw events');
    } catch (error) {
      logger.error({ err: error }, 'retention: pruning failed');
    }
  };
  run();
  const timer = clock.setInterval(run, DAY_MS);
  return { stop: () => clock.clearInterval(timer) };
}
