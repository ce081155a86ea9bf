// What the clock service is built from (server.ts gives it), which its parts (watched.ts, kiosk.ts) read through, and
// the site a case is timed by: as judging its end reads it.
import type { Clock } from '../../clock';
import type { ClockSite } from '../../domain/clocks';
import { defaultSite } from '../../domain/sites';
import type { Store, StoreReads } from '../../store/port';
import type { IngestService } from '../ingest/ingest';
import type { StandardsService } from '../standards';

export interface ClockServiceDeps {
  store: Store;
  standards: StandardsService;
  ingest: IngestService;
  clock: Clock;
  /** Zone of sites not configured (as ingest creates them). */
  timeZone: string;
  onError: (error: unknown) => void;
  /**
   * Several nodes on one store: how often (ms) to read the open cases from the store, to watch those opened through
   * other nodes and drop those they closed. They are also read at once when another node signals a case opened or
   * closed (store/port.ts Coordination); the timer covers a signal lost with the node's connection.
   * Unset: one node, which sees every case through its own ingest.
   */
  shareMs?: number;
}

/** The site `name` as judging reads it (a retired site: the defaults), looked up once per pass (`sites`). */
export function siteIn(deps: ClockServiceDeps, sites: Map<string, Promise<ClockSite>>, name: string, reads: StoreReads['sites'] = deps.store.reads.sites): Promise<ClockSite> {
  let site = sites.get(name);
  if (!site) sites.set(name, (site = siteOf(deps, name, reads)));
  return site;
}

async function siteOf(deps: ClockServiceDeps, name: string, reads: StoreReads['sites']): Promise<ClockSite> {
  const stored = await reads.get(name);
  return stored && !stored.retired ? stored : defaultSite(name, deps.timeZone);
}
