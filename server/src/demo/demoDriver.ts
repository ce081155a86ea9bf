// Runs the simulator in real time, feeding the same ingest service HTTP uses.
import type { Logger } from 'pino';
import type { IngestService } from '../services/ingest/ingest';
import { createSimulator, type SimulatorOptions } from './simulator';

export interface DemoDriverOptions extends SimulatorOptions {
  ingest: IngestService;
  logger: Logger;
  now?: () => number;
}

export function startDemo(options: DemoDriverOptions): { stop(): void } {
  const simulator = createSimulator(options);
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function schedule(): void {
    const arrival = simulator.next();
    timer = setTimeout(() => {
      if (stopped) return;
      options.ingest.ingest([arrival.eventAt(now())]).then(
        (outcome) => {
          if (outcome.kind !== 'stored') options.logger.warn({ outcome }, 'demo event was not stored');
        },
        (err: unknown) => options.logger.error({ err }, 'demo event was not stored'),
      );
      schedule();
    }, arrival.delayMs);
  }

  options.logger.info({ seed: options.seed, eventsPerSecond: options.eventsPerSecond ?? 2 }, 'demo traffic started');
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
