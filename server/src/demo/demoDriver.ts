// Runs the simulator on the server's clock, feeding the same ingest service HTTP uses. The demo's sites are
// configured with their display names first (a site someone configured already is left as it is).
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { IngestService } from '../services/ingest/ingest';
import type { SitesService } from '../services/sites';
import { createSimulator, DEMO_SITES, type SimulatorOptions } from './simulator';

export interface DemoDriverOptions extends SimulatorOptions {
  ingest: IngestService;
  /** Where the demo's sites are configured. */
  siteService: SitesService;
  logger: Logger;
  /** When arrivals happen: the server's clock (a test moves it). */
  clock: Clock;
}

/** Names the demo's sites where nobody configured them (an auto-created site is renamed). */
async function nameSites(options: DemoDriverOptions): Promise<void> {
  for (const site of options.sites ?? DEMO_SITES) {
    const known = await options.siteService.get(site.name);
    if (known && !known.autoCreated) continue;
    await options.siteService.apply({ id: site.name, name: site.displayName });
  }
}

export function startDemo(options: DemoDriverOptions): { ready: Promise<void>; stop(): void } {
  const simulator = createSimulator(options);
  const { clock } = options;
  let timer: unknown;
  let stopped = false;

  function schedule(): void {
    const arrival = simulator.next();
    timer = clock.setTimeout(() => {
      if (stopped) return;
      options.ingest.ingest([arrival.eventAt(clock.now())]).then(
        (outcome) => {
          if (outcome.kind !== 'stored') options.logger.warn({ outcome }, 'demo event was not stored');
        },
        (err: unknown) => options.logger.error({ err }, 'demo event was not stored'),
      );
      schedule();
    }, arrival.delayMs);
  }

  options.logger.info({ seed: options.seed, eventsPerSecond: options.eventsPerSecond ?? 2 }, 'demo traffic started');
  const ready = nameSites(options).then(
    () => {
      if (!stopped) schedule();
    },
    (err: unknown) => options.logger.error({ err }, 'demo sites could not be configured'),
  );
  return {
    ready,
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
