// Today's figures after stored events, pushed at most once per interval. Every stored group's events leave at once
// (`judged`); the figures that follow them are read and sent once for all the groups stored within an interval.
// Under a steady stream that is one read and one message per client per interval instead of one per stored group
// (each message is a socket write per client, the live push's largest cost); a group stored after a quiet interval
// still gets its figures at once. A later push carries every minute the groups it stands for touched, read when it is
// built, so what a client ends up with is what one push per group would have left it with.
import type { Clock } from '../clock';
import { bucketStart } from '../domain/buckets';
import { StorageUnavailable } from '../domain/errors';
import type { ComplianceUpdate, JudgedEvent } from '../protocol';

/** How long figures may lag the events they count while events keep arriving: below what a person notices. */
export const LIVE_FIGURES_INTERVAL_MS = 100;

export interface FiguresPushDeps {
  clock: Clock;
  intervalMs: number;
  /** Reads the figures at `nowMs` with the points of these minutes (epoch ms, minute starts). */
  build(minutes: ReadonlySet<number>, nowMs: number): Promise<ComplianceUpdate>;
  emit(update: ComplianceUpdate): void;
  failed(error: unknown): void;
}

export interface FiguresPush {
  /** Events just stored: their figures go out now, or with the next push if one went out less than an interval ago. */
  add(stored: readonly JudgedEvent[]): void;
  /** No more pushes (the live server is closing). */
  stop(): void;
}

/** A read of the figures not answered by then is given up (and reported): one stuck read must not stop them all. */
export const FIGURES_READ_DEADLINE_MS = 10_000;

export function createFiguresPush(deps: FiguresPushDeps): FiguresPush {
  let pending: Set<number> | null = null;
  // From the start of a push until an interval after it went out (or failed): later groups wait for its end.
  let busy = false;
  let timer: unknown = null;
  let stopped = false;

  const keep = (minutes: Iterable<number>) => {
    pending ??= new Set();
    for (const minute of minutes) pending.add(minute);
  };
  const afterInterval = () => {
    timer = null;
    if (pending && !stopped) send();
    else busy = false;
  };
  const send = () => {
    const minutes = pending ?? new Set<number>();
    pending = null;
    busy = true;
    // One push at a time, so a slow read (PostgreSQL) cannot let older figures overtake newer ones. A read that
    // fails or passes its deadline leaves its minutes to the next push.
    let deadline: unknown = null;
    const late = new Promise<never>((_, reject) => {
      // A store too slow to answer (a table locked, an overloaded database) is a storage outage, said once as one,
      // not a bug to log with a stack at every push.
      deadline = deps.clock.setTimeout(() => reject(new StorageUnavailable(`the database did not answer within ${FIGURES_READ_DEADLINE_MS / 1000} s (today's figures for the live push)`, 'retry shortly')), FIGURES_READ_DEADLINE_MS);
    });
    Promise.race([deps.build(minutes, deps.clock.now()), late])
      .then(
        (update) => {
          if (!stopped) deps.emit(update);
        },
        (error: unknown) => {
          if (stopped) return;
          keep(minutes);
          deps.failed(error);
        },
      )
      .catch((error: unknown) => deps.failed(error))
      .finally(() => {
        deps.clock.clearTimeout(deadline);
        if (!stopped) timer = deps.clock.setTimeout(afterInterval, deps.intervalMs);
      });
  };
  return {
    add(stored) {
      if (stopped) return;
      keep(stored.map((judged) => bucketStart(Date.parse(judged.event.occurredAt), 'minute')));
      if (!busy) send();
    },
    stop() {
      stopped = true;
      if (timer !== null) deps.clock.clearTimeout(timer);
      timer = null;
    },
  };
}
