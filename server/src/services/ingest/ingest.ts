// The one way events get in (HTTP and the demo both use it): validate → judge → store → notify.
import type { EventInput, IngestResult, JudgedEvent, Site } from '../../protocol';
import type { StoredMilestone } from '../../protocol/eventTypes';
import { BUILT_IN_REGISTRY, type EventTypeRegistry } from '../../domain/eventTypes';
import { isDomainError, isUnavailable } from '../../domain/errors';
import { maySiteWrite, siteRefusal } from '../../domain/keys';
import { defaultSite } from '../../domain/sites';
import type { CaseJudgementRecord, CaseKey, CaseRecord, MilestoneWriteOutcome, NewEvent, SiteRecord, Store, WriteOutcome, WriteTx } from '../../store/port';
import { caseText, settleCases, withRecorded, type CaseContext, type Settled, type WrittenCase } from './cases';
import { caseStartProblem, storedStartOf, type EventDating } from './caseStart';
import type { StandardsService } from '../standards';
import type { ItemProblem } from './itemProblem';
import { contradictingStops, misorderedMilestones, pairingConflicts, prepareMilestone, validateMilestones } from './milestones';
import { prepareEvent } from './prepare';
import { caseTwinSites, includesCaseTwins, newSiteItems } from './siteCase';
import { validateEvents } from './validate';
import type { CaseNews, CasesListener, FeedInput, FeedOutcome, IngestOutcome, IngestRequest, LateEnd, MilestoneOutcome, OpenedCasesHook, SiteLimit, StoredListener } from './outcomes';

/** A request of known sites: nothing new to check against the stored sites (siteCase.ts). */
const NO_NEW_SITES: { problems: ItemProblem[]; created: readonly string[] } = { problems: [], created: [] };

/** What an end of a case that already closed by expiry is: a conflict (POST /events), or skipped as late (a feed). */
type LateEnds = 'refuse' | 'skip';

/** The stored records of the named sites (those that exist). */
type SitesOf = (names: readonly string[]) => Promise<ReadonlyMap<string, SiteRecord>>;

/** `tx`'s sites, each read at most once: for a group whose sites no write changes until all are read. */
function groupSites(tx: WriteTx): SitesOf {
  const seen = new Map<string, SiteRecord | undefined>();
  return async (names) => {
    const missing = names.filter((name) => !seen.has(name));
    if (missing.length > 0) {
      const found = await tx.sites.getMany(missing);
      for (const name of missing) seen.set(name, found.get(name));
    }
    const sites = new Map<string, SiteRecord>();
    for (const name of names) {
      const site = seen.get(name);
      if (site) sites.set(name, site);
    }
    return sites;
  };
}

type MilestoneInputs = Extract<ReturnType<typeof validateMilestones>, { ok: true }>['inputs'];

/** One request judged and ready to write (`inputs`: the valid items not left out as late, with their indexes), or its refusal. */
type Prepared =
  | { ok: true; inputs: Array<{ input: EventInput; index: number }>; batch: NewEvent[]; late: LateEnd[]; receivedAtMs: number; createdSites: readonly string[] }
  | { ok: false; outcome: Exclude<IngestOutcome, { kind: 'stored' }> };

/** One request's items validated (and allowed for its key), or its refusal. */
type Checked = { ok: true; inputs: EventInput[] } | { ok: false; outcome: Extract<IngestOutcome, { kind: 'invalid' | 'forbidden' }> };

/** A written event as the API answers it. */
const resultOf = (w: WriteOutcome): IngestResult => ({ event: w.judged.event, judgements: w.judged.judgements, id: w.judged.event.id, seq: w.judged.event.seq, duplicate: w.duplicate });

/** Thrown inside a savepoint to roll back what a request wrote before its refusal was known. */
class Refusal<T> extends Error {
  constructor(readonly outcome: T) {
    super('request refused');
  }
}

/**
 * `write` in a savepoint that is rolled back unless it stored: a refused request keeps nothing, not even what it
 * wrote before the item that refused it (a writer may find a conflict at its n-th record, after writing the others).
 */
async function allOrNothing<T extends { outcome: { kind: string } }>(tx: WriteTx, write: (part: WriteTx) => Promise<T>): Promise<T> {
  return tx
    .savepoint(async (part) => {
      const written = await write(part);
      if (written.outcome.kind !== 'stored') throw new Refusal(written);
      return written;
    })
    .catch((error: unknown) => {
      if (error instanceof Refusal) return error.outcome as T;
      throw error;
    });
}

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
  private readonly now: () => number;
  private readonly timeZone: string;

  constructor(private readonly deps: IngestDeps) {
    this.now = deps.now ?? Date.now;
    this.timeZone = deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  /** One request, all-or-nothing, in a write of its own. */
  async ingest(items: readonly unknown[], sites: SiteLimit = null): Promise<IngestOutcome> {
    const outcome = (await this.ingestMany([{ items, sites }]))[0]!;
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
  async ingestMany(requests: readonly IngestRequest[]): Promise<Array<IngestOutcome | { kind: 'error'; error: unknown }>> {
    // Validation reads nothing stored: it runs before the write, so the node does it while an earlier write's
    // statements are with the database instead of holding the write (and the store's write lock) meanwhile.
    const checked = requests.map((r) => this.check(r.items, r.sites));
    return this.deps.store.write(async (tx) => {
      const written = (await this.writeMerged(tx, checked)) ?? (await this.writeEach(tx, checked));
      tx.onCommit(() => this.notify(written.stored));
      return written.outcomes;
    });
  }

  /** Each request in a savepoint of its own, one after the other. */
  private async writeEach(tx: WriteTx, requests: readonly Checked[]): Promise<{ outcomes: Array<IngestOutcome | { kind: 'error'; error: unknown }>; stored: JudgedEvent[] }> {
    const outcomes: Array<IngestOutcome | { kind: 'error'; error: unknown }> = [];
    const stored: JudgedEvent[] = [];
    for (const request of requests) {
      try {
        const r = await allOrNothing(tx, (part) => this.write(part, request));
        outcomes.push(r.outcome);
        stored.push(...r.stored);
      } catch (error) {
        if (isUnavailable(error)) throw error;
        outcomes.push({ kind: 'error', error });
      }
    }
    return { outcomes, stored };
  }

  /**
   * The requests of a group as ONE batch of the store's writer (per group: one savepoint, one site upsert per site,
   * one fold of the rollups, instead of one of each per request), each request's answer its own slice of it. The
   * same records in the same order as `writeEach` would write; a request refused before the write (invalid, a site
   * its key may not write) is answered on its own. Null, with nothing written, where the requests could answer
   * differently written one by one: an event that closes a case (a later request may end the same case), or any
   * failure of the batch (an id conflict: `writeEach` then names the request at fault).
   */
  private async writeMerged(tx: WriteTx, requests: readonly Checked[]): Promise<{ outcomes: IngestOutcome[]; stored: JudgedEvent[] } | null> {
    if (requests.length < 2) return null;
    const outcomes: IngestOutcome[] = [];
    const parts: Array<{ at: number; prepared: Extract<Prepared, { ok: true }> }> = [];
    // Nothing in the group writes a site before every request is prepared, so each site is read once for the group
    // (concurrent POSTs mostly come from the same few sites), not once per request.
    const sitesOf = groupSites(tx);
    for (const request of requests) {
      const prepared = await this.prepare(tx, request, 'refuse', 'start', sitesOf).catch(() => null);
      if (!prepared) return null;
      if (!prepared.ok) outcomes.push(prepared.outcome);
      else if (prepared.inputs.some(({ input }) => input.caseId !== undefined)) return null;
      else parts.push({ at: outcomes.push({ kind: 'stored', results: [] }) - 1, prepared });
    }
    if (parts.length < 2) return null;
    // Each request was checked against the sites stored before the group: two of them creating sites that differ only
    // in letter case are written one by one, so the later is refused as it would be after the earlier.
    if (parts.some((p) => p.prepared.createdSites.length > 0) && includesCaseTwins(parts.flatMap((p) => p.prepared.createdSites))) return null;
    let written: WriteOutcome[];
    try {
      written = await tx.savepoint((part) => part.writes.events(parts.flatMap((p) => p.prepared.batch)));
    } catch (error) {
      if (isUnavailable(error)) throw error;
      return null;
    }
    const stored: JudgedEvent[] = [];
    let from = 0;
    for (const { at, prepared } of parts) {
      const own = written.slice(from, (from += prepared.batch.length));
      outcomes[at] = { kind: 'stored', results: own.map(resultOf) };
      for (const w of own) if (!w.duplicate) stored.push(w.judged);
    }
    return { outcomes, stored };
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
    const validation = this.validMilestones(items, sites);
    if (!validation.ok) return validation.outcome;
    return this.deps.store.write(async (tx) => {
      const r = await allOrNothing(tx, (part) => this.writeMilestones(part, validation.inputs));
      await this.runOpenedHooks(tx, r.cases, r.known);
      tx.onCommit(() => {
        this.notify(r.stored);
        this.notifyCases(r.cases, r.known);
      });
      return r.outcome;
    });
  }

  /**
   * What an integration read from another system's records, stored all or nothing in one write: milestones (as
   * POST /milestones), finished events (as POST /events; one with a caseId closes its case) and withdrawals (cases
   * the source ended without an outcome: closed without a finished event, so they are neither judged nor counted).
   */
  async ingestFeed(feed: FeedInput, sites: SiteLimit = null): Promise<FeedOutcome> {
    const validation = this.validMilestones(feed.milestones, sites);
    if (!validation.ok) return { ...validation.outcome, part: 'milestones' };
    return this.deps.store.write(async (tx) => {
      let refused: FeedOutcome | null = null;
      const written = await tx
        .savepoint(async (part) => {
          // Events first: one that ends a case whose start is in the same request closes it before the start is
          // stored, so a start older than the clock's expiry is not expired first (it stays closed, as ended).
          // An end whose case already closed by expiry is skipped (late), not refused: the source cannot take it back,
          // and refusing would hold up every later record of the feed behind it.
          // The integrations' events are dated at the end of the wait, as their sources write them.
          const e = feed.events.length > 0 ? await this.write(part, this.check(feed.events, sites), 'skip', 'end') : { outcome: { kind: 'stored', results: [] } as IngestOutcome, stored: [], late: [] };
          if (e.outcome.kind !== 'stored') throw new Refusal<FeedOutcome>({ ...e.outcome, part: 'events' });
          const m = await this.writeMilestones(part, validation.inputs);
          if (m.outcome.kind !== 'stored') throw new Refusal<FeedOutcome>({ ...m.outcome, part: 'milestones' });
          const withdrawn = await this.withdraw(part, feed.withdrawals);
          const results = { milestones: m.outcome.results, events: e.outcome.results, withdrawn: withdrawn.length, late: e.late };
          const known = new Map(m.known);
          for (const key of withdrawn) known.set(caseText(key), { closed: true });
          return { results, stored: [...e.stored, ...m.stored], cases: [...m.cases, ...withdrawn], known };
        })
        .catch((error: unknown) => {
          if (!(error instanceof Refusal)) throw error;
          refused = error.outcome as FeedOutcome;
          return null;
        });
      if (!written) return refused!;
      await this.runOpenedHooks(tx, written.cases, written.known);
      tx.onCommit(() => {
        this.notify(written.stored);
        this.notifyCases(written.cases, written.known);
      });
      return { kind: 'stored', ...written.results };
    });
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

  /** Closes each case that is not closed yet (a case never seen is recorded closed, so its later milestones do not open it). */
  private async withdraw(tx: WriteTx, keys: readonly CaseKey[]): Promise<CaseKey[]> {
    const closed: CaseKey[] = [];
    for (const key of keys) {
      const record = await tx.cases.get(key);
      if (record?.state === 'closed') continue;
      await tx.writes.closeCase(key, { closedAtMs: this.now(), expired: false, eventSeq: null });
      if (record) closed.push(key);
    }
    return closed;
  }

  /** Milestones that are valid, of sites the key may write, and not repeated within the request. */
  private validMilestones(items: readonly unknown[], sites: SiteLimit): { ok: true; inputs: MilestoneInputs } | { ok: false; outcome: Exclude<MilestoneOutcome, { kind: 'stored' }> } {
    const validation = validateMilestones(items, this.registry(), this.now());
    if (!validation.ok) return { ok: false, outcome: { kind: 'invalid', problems: validation.problems } };
    const forbidden = forbiddenSites(validation.inputs, sites);
    if (forbidden.length > 0) return { ok: false, outcome: { kind: 'forbidden', problems: forbidden } };
    const repeated = pairingConflicts(validation.inputs);
    if (repeated.length > 0) return { ok: false, outcome: { kind: 'conflict', problems: repeated } };
    return { ok: true, inputs: validation.inputs };
  }

  /** Writes validated milestones inside `tx` and settles the cases they complete; no notification. */
  private async writeMilestones(part: WriteTx, inputs: MilestoneInputs): Promise<{ outcome: MilestoneOutcome; stored: JudgedEvent[]; cases: CaseKey[]; known: Map<string, CaseNews> }> {
    const none = { stored: [], cases: [], known: new Map<string, CaseNews>() };
    if (inputs.length === 0) return { outcome: { kind: 'stored', results: [] }, ...none };
    // One read of the request's sites, inside the write: what they are checked against is what the milestones are stored with.
    const storedSites = await part.sites.getMany(inputs.map((m) => m.site));
    const unknown = this.unknownSiteProblems(inputs, storedSites);
    const newSites = unknown.length > 0 ? [] : newSiteItems(inputs, storedSites);
    const problems = newSites.length > 0 ? (await caseTwinSites(inputs, newSites, part.sites)).problems : unknown;
    if (problems.length > 0) return { outcome: { kind: 'invalid', problems }, ...none };
    // Read inside the write: no other write adds a milestone to these cases between the check and the insert.
    const misordered = await misorderedMilestones(part, inputs, this.registry());
    if (misordered.problems.length > 0) return { outcome: { kind: 'conflict', problems: misordered.problems }, ...none };
    const contradicting = await contradictingStops(part, inputs, this.registry(), misordered.stored);
    if (contradicting.problems.length > 0) return { outcome: { kind: 'conflict', problems: contradicting.problems }, ...none };
    const receivedAtMs = this.now();
    const sites = new Map<string, Site>();
    for (const m of inputs) if (!sites.has(m.site)) sites.set(m.site, this.configuredOrDefault(m.site, storedSites.get(m.site)));
    const batch = inputs.map((m, i) => prepareMilestone(m, sites.get(m.site)!, receivedAtMs, misordered.caseStored[i]));
    let written;
    try {
      written = await part.writes.milestones(batch);
    } catch (error) {
      if (isDomainError(error) && error.kind === 'conflict' && error.at !== undefined) {
        return { outcome: { kind: 'conflict', problems: [{ index: error.at, path: [error.path], message: error.message }] }, ...none };
      }
      throw error;
    }
    const fresh = written.filter((w) => !w.duplicate);
    const cases = uniqueCases(fresh.map((w) => w.milestone));
    const settled = await settleCases(part, cases, this.caseContext(), writtenCases(fresh, misordered.stored, contradicting.rows));
    const stored = settled.flatMap((s) => (s.judged ? [s.judged] : []));
    const results = written.map((w) => ({ id: w.milestone.id, seq: w.milestone.seq, duplicate: w.duplicate, milestone: w.milestone }));
    return { outcome: { kind: 'stored', results }, stored, cases, known: newsOf(settled) };
  }

  /**
   * Settles cases at the clock's time: those past their expiry close as expired (their finished event written).
   * Used by the open clocks' timers; resolves with the cases that closed.
   */
  async settle(keys: readonly CaseKey[]): Promise<CaseKey[]> {
    if (keys.length === 0) return [];
    return this.deps.store.write(async (tx) => {
      const settled = await settleCases(tx, keys, this.caseContext());
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

  private caseContext(): CaseContext {
    return { registry: this.registry(), standardsAt: (ms) => this.deps.standards.judgingAt(ms), siteOf: (tx, name) => this.siteOf(tx, name), nowMs: this.now() };
  }

  /** The site as configured, or the defaults an unknown site is created with. */
  private async siteOf(tx: WriteTx, name: string): Promise<Site> {
    return this.configuredOrDefault(name, await tx.sites.get(name));
  }

  /** `site` (the stored record of `name`) if it is configured, else the defaults an unknown site is created with. */
  private configuredOrDefault(name: string, site: SiteRecord | undefined): Site {
    return site && !site.retired ? site : defaultSite(name, this.timeZone);
  }

  /** With --reject-unknown-sites, the items whose site is not configured (`stored`: the items' stored sites). */
  private unknownSiteProblems(items: ReadonlyArray<{ site: string }>, stored: ReadonlyMap<string, SiteRecord>): ItemProblem[] {
    if (!this.deps.rejectUnknownSites) return [];
    return items.flatMap(({ site }, index) => {
      const record = stored.get(site);
      return record && !record.retired ? [] : [{ index, path: ['site'], message: `unknown site "${site}"; this server refuses unknown sites (configure it in the standards file or POST /api/v1/sites)` }];
    });
  }

  /**
   * Events posted with a caseId close that case (the event is its finished event, with any judgement recorded on
   * it while open). A case already ended by another event, or by its own milestones, is a conflict: it would count
   * twice. One that expired is a conflict too, unless `expired` is 'skip' (a feed): that event is late and left out.
   * `starts`: the stored start of each open case an event closes, once it has arrived (caseStart.ts checks the event
   * against it).
   */
  private async pairedCases(
    tx: WriteTx,
    inputs: readonly EventInput[],
    expired: LateEnds,
  ): Promise<{ ok: true; recorded: Map<number, CaseJudgementRecord[]>; starts: Map<number, StoredMilestone>; late: LateEnd[] } | { ok: false; problems: ItemProblem[] }> {
    const recorded = new Map<number, CaseJudgementRecord[]>();
    const starts = new Map<number, StoredMilestone>();
    const problems: ItemProblem[] = [];
    const late: LateEnd[] = [];
    for (const [index, input] of inputs.entries()) {
      if (!input.caseId) continue;
      const key = { type: input.type, site: input.site, caseId: input.caseId };
      const record = await tx.cases.get(key);
      if (record?.state === 'closed') {
        const ended = record.eventSeq === null ? undefined : (await tx.events.after(record.eventSeq - 1, 1))[0]?.event;
        if (input.id !== undefined && ended?.id === input.id) continue; // a retry of the event that closed it
        if (record.expired && expired === 'skip') {
          late.push({ index, caseId: input.caseId });
          continue;
        }
        const how = ended ? `event ${JSON.stringify(ended.id)} (seq ${ended.seq})` : record.expired ? 'expiry' : 'its milestones';
        problems.push({ index, path: ['caseId'], message: `${input.type} ${JSON.stringify(input.caseId)} at ${JSON.stringify(input.site)} has already ended (by ${how}); a case is one event` });
      } else if (record) {
        // Both asked before either is awaited: one round trip on PostgreSQL's pipelined write connection.
        const [judgements, start] = await Promise.all([tx.cases.judgements(key), storedStartOf(tx.cases, this.registry(), key)]);
        recorded.set(index, judgements);
        if (start) starts.set(index, start);
      }
    }
    return problems.length > 0 ? { ok: false, problems } : { ok: true, recorded, starts, late };
  }

  private notifyCases(cases: CaseKey[], known: ReadonlyMap<string, CaseNews>): void {
    if (cases.length > 0) this.tellEach(this.caseListeners, cases, known);
  }

  /**
   * Validate, judge and write one request inside `tx`; no notification. `expired`: what an end of an expired case is;
   * `dated`: what instant of its wait an event's occurredAt is.
   */
  private async write(tx: WriteTx, checked: Checked, expired: LateEnds = 'refuse', dated: EventDating = 'start'): Promise<{ outcome: IngestOutcome; stored: JudgedEvent[]; late: LateEnd[] }> {
    const prepared = await this.prepare(tx, checked, expired, dated);
    if (!prepared.ok) return { outcome: prepared.outcome, stored: [], late: [] };
    const { inputs, batch, late, receivedAtMs } = prepared;
    let written;
    try {
      written = await tx.writes.events(batch);
    } catch (error) {
      if (isDomainError(error) && error.kind === 'conflict' && error.at !== undefined) {
        return { outcome: { kind: 'conflict', problems: [{ index: inputs[error.at]?.index ?? error.at, path: ['id'], message: error.message }] }, stored: [], late: [] };
      }
      throw error;
    }
    await this.closePairedCases(tx, inputs.map((i) => i.input), written, receivedAtMs);
    return { outcome: { kind: 'stored', results: written.map(resultOf) }, stored: written.filter((w) => !w.duplicate).map((w) => w.judged), late };
  }

  /** Validates one request's events and checks its key may write their sites (reading nothing stored). */
  private check(items: readonly unknown[], allowed: SiteLimit): Checked {
    const validation = validateEvents(items, this.now());
    if (!validation.ok) return { ok: false, outcome: { kind: 'invalid', problems: validation.problems } };
    const forbidden = forbiddenSites(validation.inputs, allowed);
    if (forbidden.length > 0) return { ok: false, outcome: { kind: 'forbidden', problems: forbidden } };
    return { ok: true, inputs: validation.inputs };
  }

  /** Judges one checked request's events (reading, never writing): its refusal, or the batch to write. */
  private async prepare(tx: WriteTx, validation: Checked, expired: LateEnds, dated: EventDating = 'start', sitesOf: SitesOf = (names) => tx.sites.getMany(names)): Promise<Prepared> {
    if (!validation.ok) return validation;
    const receivedAtMs = this.now();
    // Each event is judged by the standard versions in force when it happened, with its site's configuration (or
    // the defaults an unknown site is created with, unless unknown sites are refused). One read of the request's sites,
    // inside the write: nothing changes a site between its lookup and the events' judgement.
    const sites = await sitesOf(validation.inputs.map((input) => input.site));
    const unknown = this.unknownSiteProblems(validation.inputs, sites);
    if (unknown.length > 0) return { ok: false, outcome: { kind: 'invalid', problems: unknown } };
    const fresh = newSiteItems(validation.inputs, sites);
    const twins = fresh.length > 0 ? await caseTwinSites(validation.inputs, fresh, tx.sites) : NO_NEW_SITES;
    if (twins.problems.length > 0) return { ok: false, outcome: { kind: 'invalid', problems: twins.problems } };
    const paired = await this.pairedCases(tx, validation.inputs, expired);
    if (!paired.ok) return { ok: false, outcome: { kind: 'conflict', problems: paired.problems } };
    const lateIndexes = new Set(paired.late.map((l) => l.index));
    const inputs = validation.inputs.flatMap((input, index) => (lateIndexes.has(index) ? [] : [{ input, index }]));
    const batch = inputs.map(({ input, index }) => {
      const prepared = prepareEvent(input, { standardsAt: (ms) => this.deps.standards.judgingAt(ms), site: this.configuredOrDefault(input.site, sites.get(input.site)), receivedAtMs });
      const recorded = paired.recorded.get(index);
      return recorded ? { ...prepared, judgements: withRecorded(prepared.judgements, recorded) } : prepared;
    });
    // Checked on the prepared events: an end-dated call's wait may be derived from its rings.
    const misdated = inputs.flatMap(({ input, index }, i) => {
      const start = paired.starts.get(index);
      const problem = start && input.caseId !== undefined ? caseStartProblem(index, batch[i]!, input.caseId, start, dated) : null;
      return problem ? [problem] : [];
    });
    if (misdated.length > 0) return { ok: false, outcome: { kind: 'conflict', problems: misdated } };
    return { ok: true, inputs, batch, late: paired.late, receivedAtMs, createdSites: twins.created };
  }

  /** Each newly stored event with a caseId closes its case, paired with it. */
  private async closePairedCases(tx: WriteTx, inputs: readonly EventInput[], written: ReadonlyArray<{ duplicate: boolean; judged: JudgedEvent }>, receivedAtMs: number): Promise<void> {
    const closed: CaseKey[] = [];
    for (const [index, input] of inputs.entries()) {
      const w = written[index]!;
      if (!input.caseId || w.duplicate) continue;
      const key = { type: input.type, site: input.site, caseId: input.caseId };
      await tx.writes.closeCase(key, { closedAtMs: receivedAtMs, expired: false, eventSeq: w.judged.event.seq });
      closed.push(key);
    }
    if (closed.length > 0) tx.onCommit(() => this.notifyCases(closed, new Map(closed.map((k) => [caseText(k), { closed: true }]))));
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

/** The items of a site the caller's key may not write, each naming the site (checked before anything is stored). */
function forbiddenSites(inputs: readonly { site: string }[], sites: SiteLimit): ItemProblem[] {
  if (sites === null) return [];
  return inputs.flatMap((input, index) => (maySiteWrite(sites, input.site) ? [] : [{ index, path: ['site'], message: siteRefusal(sites, input.site) }]));
}

function uniqueCases(milestones: readonly StoredMilestone[]): CaseKey[] {
  const byKey = new Map<string, CaseKey>();
  for (const m of milestones) byKey.set(caseText(m), { type: m.type, site: m.site, caseId: m.caseId });
  return [...byKey.values()];
}

/**
 * The milestones of each case this write added to, all it has in seq order: those it had stored (`stored`, read in
 * this write before its milestones were added), then the write's new ones in their order. A case the write opened
 * has only the new ones. A case whose stored milestones were not read is left out (settling reads it). `rows`: the
 * case rows read in this write before its milestones were added, which leave an existing row as it was.
 */
function writtenCases(fresh: readonly MilestoneWriteOutcome[], stored: ReadonlyMap<string, readonly StoredMilestone[]>, rows: ReadonlyMap<string, CaseRecord>): Map<string, WrittenCase & { milestones: StoredMilestone[] }> {
  const written = new Map<string, WrittenCase & { milestones: StoredMilestone[] }>();
  for (const w of fresh) {
    const k = caseText(w.milestone);
    const known = written.get(k);
    if (known) known.milestones.push(w.milestone);
    else if (w.opened) written.set(k, { milestones: [w.milestone], opened: true });
    else {
      const before = stored.get(k);
      const record = rows.get(k);
      if (before) written.set(k, { milestones: [...before, w.milestone], opened: false, ...(record ? { record } : {}) });
    }
  }
  return written;
}

/** What settling told of each case: closed, or open and known whole. */
function newsOf(settled: readonly Settled[]): Map<string, CaseNews> {
  const news = new Map<string, CaseNews>();
  for (const s of settled) {
    if (s.closed) news.set(caseText(s.key), { closed: true });
    else if (s.known) news.set(caseText(s.key), { closed: false, ...s.known });
  }
  return news;
}
