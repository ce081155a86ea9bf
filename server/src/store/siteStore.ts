// Sites: created on first sight with defaults; for now only their ring cycle is used.
import type Database from 'better-sqlite3';

export interface SiteStore {
  /** The site's ring cycle, or undefined for a site not seen yet. */
  ringCycleSeconds(site: string): number | undefined;
}

export function createSiteStore(db: Database.Database): SiteStore {
  const cycle = db.prepare<[string], { ring_cycle_seconds: number }>('SELECT ring_cycle_seconds FROM sites WHERE name = ?');
  return { ringCycleSeconds: (site) => cycle.get(site)?.ring_cycle_seconds };
}
