// The one way events get in (HTTP and the demo both use it): validate → judge → store → notify. The writes are their
// own modules (events.ts, eventGroup.ts, milestoneWrite.ts, feed.ts); this is their public face, and who hears.
import type { JudgedEvent } from '../../protocol';
import { BUILT_IN_REGISTRY, type EventTypeRegistry } from '../../domain/eventTypes';
import { isUnavailable } from '../../domain/errors';
import type { CaseKey, Store, WriteTx } from '../../store/port';
import { allOrNothing } from './allOrNothing';
import { caseText, settleCases } from './cases';
import { caseContextOf, type IngestContext } from './context';
import type { StandardsService } from '../standards';
import { writeGroup } from './eventGroup';
import { checkEvents } from './events';
import { feedCases, writeFeed } from './feed';
import { validMilestones, writeMilestones, type CasesWritten } from './milestoneWrite';
import { newsOf } from './writtenCases';
import type { CaseNews, CasesListener, FeedBuilder, FeedInput, FeedOutcome, GroupOutcome, IngestOutcome, IngestRequest, MilestoneOutcome, OpenedCasesHook, SiteLimit, StoredListener } from './outcomes';

export interface IngestDeps {
  store: Store;
  standards: StandardsService;
  now?: () => number;
  /** Zone of sites created on first sight (default: the server's). */
  timeZone?: string;
  /** Refuse events of sites that are not configured (400 naming `site`) instead of creating them. */
  rejectUnknownSites?: boolean;
  /** The event types milestones may name (default: the built-ins). */
  registry?: () => EventTypeRegistry;
  /** Listener failures must not turn a stored batch into an error response; they are reported here. */
  onListenerError?: (error: unknown) => void;
}

export class IngestService {
  private readonly listeners = new Set<StoredListener>();
  private readonly caseListeners = new Set<CasesListener>();
  private readonly openedHooks = new Set<OpenedCasesHook>();
  private readonly ctx: IngestContext;

  constructor(private readonly deps: IngestDeps) {
    this.ctx = {
      now: deps.now ?? Date.now,
      timeZone: deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      rejectUnknownSites: deps.rejectUnknownSites ?? false,
      registry: () => this.registry(),
      standardsAt: (ms) => deps.standards.judgingAt(ms),
      notifyCases: (cases, known) => this.notifyCases(cases, known),
    };
  }

  /** One request, all-or-nothing, in a write of its own. */
  async ingest(items: readonly unknown[], sites: SiteLimit = null): Promise<IngestOutcome> {
    return this.ingestOne(this.ctx, items, sites);
  }

  /**
   * Ingest as of `receivedAtMs` instead of the clock's now: what it stores was received then (its `receivedAt`, the
   * cases it closes), and it is checked against that time (nothing more than 5 minutes after it). For a simulation's
   * history only (the demo's backfill, stored in time order), so that each record carries the time it would have
   * arrived at instead of all of them the instant the history was written, the newest rows of the live feed. Records
   * that arrive now never use it, however old: a late event is news (it changes the figures now), so its
   * `receivedAt` is now and the live feed shows it when it came (docs/server.md, "Late events").
   */
  asOf(receivedAtMs: number): Pick<IngestService, 'ingest' | 'ingestMilestones'> {
    const ctx: IngestContext = { ...this.ctx, now: () => receivedAtMs };
    return {
      ingest: (items, sites = null) => this.ingestOne(ctx, items, sites),
      ingestMilestones: (items, sites = null) => this.milestonesWith(ctx, items, sites),
    };
  }

  private async ingestOne(ctx: IngestContext, items: readonly unknown[], sites: SiteLimit): Promise<IngestOutcome> {
    const outcome = (await this.ingestManyWith(ctx, [{ items, sites }]))[0]!;
    if (outcome.kind === 'error') throw outcome.error;
    return outcome;
  }

  /**
   * Group commit: several requests in ONE write, so one commit (one fsync) for all of them; each request stays
   * all-or-nothing on its own (written together as one batch when that answers each the same, else a savepoint
   * each). Listeners hear once, after the commit, with everything stored, oldest first. A request whose write fails
   * with anything but an id conflict gets `{ kind: 'error' }` (its savepoint is rolled back, the others go on); a
   * failed commit throws for all.
   */
  async ingestMany(requests: readonly IngestRequest[]): Promise<GroupOutcome[]> {
    return this.ingestManyWith(this.ctx, requests);
  }

  private async ingestManyWith(ctx: IngestContext, requests: readonly IngestRequest[]): Promise<GroupOutcome[]> {
    // Validation reads nothing stored: it runs before the write, so the node does it while an earlier write's
    // statements are with the database instead of holding the write (and the store's write lock) meanwhile.
    const checked = requests.map((r) => checkEvents(ctx, r.items, r.sites));
    return this.deps.store.write(async (tx) => {
      const written = await writeGroup(ctx, tx, checked);
      tx.onCommit(() => this.notify(written.stored));
      return written.outcomes;
    });
  }

  onStored(listener: StoredListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onCases(listener: CasesListener): () => void {
    this.caseListeners.add(listener);
    return () => this.caseListeners.delete(listener);
  }

  onOpenedCases(hook: OpenedCasesHook): () => void {
    this.openedHooks.add(hook);
    return () => this.openedHooks.delete(hook);
  }

  /**
   * POST /milestones: one request, all-or-nothing. Each case a new milestone completes is settled in the same
   * write: it becomes its finished event (calls and visits) through the events path, and closes.
   */
  async ingestMilestones(items: readonly unknown[], sites: SiteLimit = null): Promise<MilestoneOutcome> {
    return this.milestonesWith(this.ctx, items, sites);
  }

  private async milestonesWith(ctx: IngestContext, items: readonly unknown[], sites: SiteLimit): Promise<MilestoneOutcome> {
    const validation = validMilestones(ctx, items, sites);
    if (!validation.ok) return validation.outcome;
    return this.deps.store.write((tx) => this.writeCases(tx, (part) => writeMilestones(ctx, part, validation.inputs)));
  }

  /**
   * What an integration read from another system's records, stored all or nothing in one write: milestones (as
   * POST /milestones), finished events (as POST /events; one with a caseId closes its case) and withdrawals (cases
   * the source ended without an outcome: closed without a finished event, so they are neither judged nor counted).
   * A feed whose records depend on the stored cases is given as a builder, run inside the write with those cases.
   */
  async ingestFeed(feed: FeedInput | FeedBuilder, sites: SiteLimit = null): Promise<FeedOutcome> {
    if (typeof feed !== 'function') {
      const validation = validMilestones(this.ctx, feed.milestones, sites);
      if (!validation.ok) return { ...validation.outcome, part: 'milestones' };
      return this.deps.store.write((tx) => this.writeCases(tx, (part) => writeFeed(this.ctx, part, feed, validation.inputs, sites)));
    }
    return this.deps.store.write(async (tx) => {
      const built = await feed(feedCases(this.ctx, tx));
      const validation = validMilestones(this.ctx, built.milestones, sites);
      if (!validation.ok) return { ...validation.outcome, part: 'milestones' as const };
      return this.writeCases(tx, (part) => writeFeed(this.ctx, part, built, validation.inputs, sites));
    });
  }

  /**
   * Settles cases at the clock's time: those past their expiry close as expired (their finished event written).
   * Used by the open clocks' timers; resolves with the cases that closed.
   */
  async settle(keys: readonly CaseKey[]): Promise<CaseKey[]> {
    if (keys.length === 0) return [];
    return this.deps.store.write(async (tx) => {
      const settled = await settleCases(tx, keys, caseContextOf(this.ctx));
      const closed = settled.flatMap((s) => (s.closed ? [s.key] : []));
      const stored = settled.flatMap((s) => (s.judged ? [s.judged] : []));
      const known = newsOf(settled.filter((s) => s.closed));
      tx.onCommit(() => {
        this.notify(stored);
        this.notifyCases(closed, known);
      });
      return closed;
    });
  }

  registry(): EventTypeRegistry {
    return this.deps.registry?.() ?? BUILT_IN_REGISTRY;
  }

  /**
   * `write` (milestones, and for a feed events too) all or nothing inside `tx`; the opened-cases hooks run on the
   * cases it opened, and the listeners hear once the write has committed.
   */
  private async writeCases<O extends { kind: string }>(tx: WriteTx, write: (part: WriteTx) => Promise<CasesWritten<O>>): Promise<O> {
    const r = await allOrNothing(tx, write);
    await this.runOpenedHooks(tx, r.cases, r.known);
    tx.onCommit(() => {
      this.notify(r.stored);
      this.notifyCases(r.cases, r.known);
    });
    return r.outcome;
  }

  /**
   * The opened-cases hooks, each in a savepoint of its own: a failure is reported and leaves the write as it was, unless
   * the store itself is gone or gave up the whole transaction (then the write fails, as it would without hooks).
   */
  private async runOpenedHooks(tx: WriteTx, cases: readonly CaseKey[], known: ReadonlyMap<string, CaseNews>): Promise<void> {
    if (this.openedHooks.size === 0) return;
    const opened = cases.flatMap((key) => {
      const news = known.get(caseText(key));
      return news && !news.closed ? [{ key, milestones: news.milestones, recorded: news.recorded }] : [];
    });
    if (opened.length === 0) return;
    for (const hook of this.openedHooks) {
      try {
        const after = await tx.savepoint((part) => hook(part, opened));
        if (after) tx.onCommit(after);
      } catch (error) {
        if (isUnavailable(error)) throw error;
        this.deps.onListenerError?.(error);
      }
    }
  }

  private notifyCases(cases: CaseKey[], known: ReadonlyMap<string, CaseNews>): void {
    if (cases.length > 0) this.tellEach(this.caseListeners, cases, known);
  }

  private notify(stored: JudgedEvent[]): void {
    if (stored.length > 0) this.tellEach(this.listeners, stored);
  }

  /** Calls every listener; one that throws is reported, and the others still hear. */
  private tellEach<A extends unknown[]>(listeners: Iterable<(...args: A) => void>, ...args: A): void {
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (error) {
        this.deps.onListenerError?.(error);
      }
    }
  }
}
