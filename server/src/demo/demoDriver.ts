// Runs the demo on the server's clock through the same ingest service HTTP uses. On an empty data folder it first
// backfills history (8 days by default: calls and visits as finished events, complaints as their milestones), so the
// 7-day and 30-day views have something to show, and the Staffing view's forecast for today and tomorrow has the
// whole of the same weekday a week before; each record is stored as received when it would have arrived, in time
// order, not all at the start (backfillHistory); then cases open and close in real time, each milestone posted
// when it happens (POST /api/v1/milestones' path): calls ringing, visitors waiting, complaints during business
// hours. The demo's sites are configured with their display names first (a site someone configured is left alone).
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { EventInput } from '../protocol';
import { LIMITS } from '../protocol/pure/limits';
import type { IngestService } from '../services/ingest/ingest';
import type { SitesService } from '../services/sites';
import { backfill, createCaseSimulator, milestoneInput, type Backfill, type CaseSimulator, type CaseSimulatorOptions, type DemoCase } from './cases';
import { DEMO_SITES } from './simulator';

export interface DemoDriverOptions extends Omit<CaseSimulatorOptions, 'startMs' | 'liveFromMs'> {
  ingest: IngestService;
  /** Where the demo's sites are configured. */
  siteService: SitesService;
  logger: Logger;
  /** When arrivals happen: the server's clock (a test moves it). */
  clock: Clock;
  /** Whether the store holds no event yet: only then is history backfilled. */
  isEmpty?: () => Promise<boolean>;
  /** Days of history to backfill on an empty store (default 8; 0: none). */
  backfillDays?: number;
}

/** The demo's own case ids (cases.ts, simulator.ts): "demo-<seed>-<counter>". */
const DEMO_CASE_ID = /^demo-\d+-\d+$/;

/**
 * Withdraws the demo cases an earlier run left open: the simulator that would have ended them stopped with that
 * run, so each would otherwise be judged overdue (a breach, then a miss at expiry), a board of red for a demo started
 * again. A withdrawn case closes without an outcome (neither judged nor counted), as a caller who leaves a queue with
 * a key does. Run before the open clocks are loaded (server.ts), so none of them is judged first.
 */
export async function withdrawEarlierDemoCases(deps: { ingest: IngestService; logger: Logger; openCases: () => Promise<ReadonlyArray<{ type: string; site: string; caseId: string }>> }): Promise<void> {
  // One withdrawal per case (the open cases' milestones name each case once per milestone).
  const byCase = new Map<string, { type: string; site: string; caseId: string }>();
  for (const c of await deps.openCases()) if (DEMO_CASE_ID.test(c.caseId)) byCase.set(JSON.stringify([c.type, c.site, c.caseId]), { type: c.type, site: c.site, caseId: c.caseId });
  const withdrawals = [...byCase.values()];
  if (withdrawals.length === 0) return;
  const outcome = await deps.ingest.ingestFeed({ milestones: [], events: [], withdrawals });
  if (outcome.kind === 'stored') deps.logger.info({ cases: withdrawals.length }, 'demo cases left open by an earlier run withdrawn');
  else deps.logger.warn({ outcome: outcome.kind }, 'demo cases left open by an earlier run could not be withdrawn');
}

const DEFAULT_BACKFILL_DAYS = 8;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

type Pending = { atMs: number; input: ReturnType<typeof milestoneInput> };

/** Names the demo's sites where nobody configured them (an auto-created site is renamed). */
async function nameSites(options: DemoDriverOptions): Promise<void> {
  for (const site of options.sites ?? DEMO_SITES) {
    const known = await options.siteService.get(site.name);
    if (known && !known.autoCreated) continue;
    await options.siteService.apply({ id: site.name, name: site.displayName });
  }
}

/** When a finished event of the history ended (its outcome known): when its source would have posted it. */
function endedAtMs(e: EventInput): number {
  const seconds = e.type === 'call' ? e.answerSeconds : e.type === 'visit' ? e.greetSeconds : null;
  return Date.parse(e.occurredAt) + (seconds ?? 0) * SECOND_MS;
}

/**
 * The slice of history a record made at `atMs` is stored with: by the second in the last minute before the live start,
 * by the minute in its last hour, by the hour before that. Each slice is received at its newest record's time, so the
 * live feed's rows (the newest fifty, by when each was received) read as they came in, in a few hundred writes.
 */
function sliceOf(atMs: number, liveFromMs: number): number {
  const age = liveFromMs - atMs;
  const width = age <= MINUTE_MS ? SECOND_MS : age <= HOUR_MS ? MINUTE_MS : HOUR_MS;
  return liveFromMs - Math.floor(age / width) * width;
}

type Slice = { receivedAtMs: number; events: EventInput[]; milestones: Backfill['milestones'] };

/**
 * The history in slices (sliceOf), oldest first. A case's milestones go together, with the slice of its newest one:
 * a complaint closed in the history then opens and closes in one write, as when the history was one request, so the
 * open clocks (which judge deadlines at the clock's now) never see it open, overdue by days, between two slices.
 */
function slicesOf(history: Backfill, liveFromMs: number): Slice[] {
  const slices = new Map<number, Slice>();
  const sliceAt = (atMs: number) => {
    const key = sliceOf(atMs, liveFromMs);
    let slice = slices.get(key);
    if (!slice) slices.set(key, (slice = { receivedAtMs: atMs, events: [], milestones: [] }));
    slice.receivedAtMs = Math.max(slice.receivedAtMs, atMs);
    return slice;
  };
  for (const e of history.events) sliceAt(endedAtMs(e)).events.push(e);
  const byCase = new Map<string, Backfill['milestones']>();
  for (const m of history.milestones) {
    const key = JSON.stringify([m.type, m.site, m.caseId]);
    byCase.set(key, [...(byCase.get(key) ?? []), m]);
  }
  for (const milestones of byCase.values()) sliceAt(Math.max(...milestones.map((m) => Date.parse(m.at)))).milestones.push(...milestones);
  return [...slices.entries()].sort(([a], [b]) => a - b).map(([, slice]) => slice);
}

/**
 * Stores the history through ingest, slice by slice in time order, each as received when its source would have posted
 * it (ingest.asOf): written all at once at the clock's now, every record was received at the start second, so the
 * complaints closed in the history (stored last) were the newest fifty rows of the live feed, all timed at the start.
 * Returns the live start: milestones to come and the next case.
 */
async function backfillHistory(options: DemoDriverOptions, nowMs: number, days: number): Promise<{ simulator: CaseSimulator; pending: Pending[]; next: DemoCase }> {
  const simulator = createCaseSimulator({ ...options, startMs: nowMs - days * DAY_MS, liveFromMs: nowMs });
  const { backfill: history, firstLive } = backfill(simulator, nowMs);
  for (const slice of slicesOf(history, nowMs)) {
    const ingest = options.ingest.asOf(slice.receivedAtMs);
    for (let i = 0; i < slice.events.length; i += LIMITS.maxBatch) {
      const outcome = await ingest.ingest(slice.events.slice(i, i + LIMITS.maxBatch));
      if (outcome.kind !== 'stored') options.logger.warn({ outcome: outcome.kind }, 'demo history events were not stored');
    }
    for (let i = 0; i < slice.milestones.length; i += LIMITS.maxBatch) {
      const outcome = await ingest.ingestMilestones(slice.milestones.slice(i, i + LIMITS.maxBatch));
      if (outcome.kind !== 'stored') options.logger.warn({ outcome: outcome.kind }, 'demo history milestones were not stored');
    }
  }
  options.logger.info({ days, events: history.events.length, milestones: history.milestones.length, openAtStart: new Set(history.pending.map((p) => p.input.caseId)).size }, 'demo history backfilled');
  return { simulator, pending: history.pending, next: firstLive };
}

/** Puts `item` into `queue` (sorted by atMs), after any of the same time. */
function enqueue(queue: Pending[], item: Pending): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (queue[mid]!.atMs <= item.atMs) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, item);
}

export function startDemo(options: DemoDriverOptions): { ready: Promise<void>; stop(): void } {
  const { clock, logger } = options;
  let timer: unknown;
  let stopped = false;
  let simulator: CaseSimulator;
  let next: DemoCase;
  let queue: Pending[] = [];

  const post = (due: Pending[]) => {
    options.ingest.ingestMilestones(due.map((p) => p.input)).then(
      (outcome) => {
        if (outcome.kind !== 'stored') logger.warn({ outcome }, 'demo milestones were not stored');
      },
      (err: unknown) => logger.error({ err }, 'demo milestones were not stored'),
    );
  };

  function schedule(): void {
    if (stopped) return;
    const dueAt = Math.min(next.milestones[0]!.atMs, queue[0]?.atMs ?? Infinity);
    timer = clock.setTimeout(fire, Math.max(0, dueAt - clock.now()));
  }

  function fire(): void {
    if (stopped) return;
    const now = clock.now();
    while (next.milestones[0]!.atMs <= now) {
      for (const m of next.milestones) enqueue(queue, { atMs: m.atMs, input: milestoneInput(next, m) });
      next = simulator.next();
    }
    const count = queue.findIndex((p) => p.atMs > now);
    const due = count < 0 ? queue : queue.slice(0, count);
    queue = count < 0 ? [] : queue.slice(count);
    for (let i = 0; i < due.length; i += LIMITS.maxBatch) post(due.slice(i, i + LIMITS.maxBatch));
    schedule();
  }

  const begin = async () => {
    await nameSites(options);
    const nowMs = clock.now();
    const days = options.backfillDays ?? DEFAULT_BACKFILL_DAYS;
    if (days > 0 && (await options.isEmpty?.())) {
      ({ simulator, pending: queue, next } = await backfillHistory(options, nowMs, days));
    } else {
      simulator = createCaseSimulator({ ...options, startMs: nowMs, liveFromMs: nowMs });
      next = simulator.next();
    }
    logger.info({ seed: options.seed, eventsPerSecond: options.eventsPerSecond ?? 2 }, 'demo traffic started');
    schedule();
  };
  const ready = begin().catch((err: unknown) => logger.error({ err }, 'the demo could not start'));
  return {
    ready,
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
