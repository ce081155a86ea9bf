// Open clocks: the cases that are open now (calls ringing, visitors waiting, complaints open), each standard's
// clock on them, and the server's side of their deadlines. One timer waits for the next instant a standing
// changes (at-risk, a deadline, expiry); at a deadline the breach is pushed at once and, when every way the clock
// can still end is a miss, the miss is recorded on the case (reason 'deadline'); at expiry the case closes through
// the ingest service (its finished event). Several nodes on one store may watch one case: a breach is claimed in the
// store first, and only the node whose claim is stored pushes it and records its miss (once in all). All rules are
// domain/clocks.ts; the time is the server's Clock, so a server started after a deadline judges the overdue clocks
// at its first look.
import type { Clock } from '../clock';
import {
  caseState,
  clockLabel,
  clockStatus,
  deadlineJudgement,
  deadlineVerdict,
  expiresAtMs,
  matchesClockFilter,
  openClockOf,
  standardsForCase,
  standardsFromStart,
  uncountedStarts,
  type CaseState,
  type ClockSite,
} from '../domain/clocks';
import { defaultSite } from '../domain/sites';
import { VISIT_TYPE } from '../protocol/builtInEventTypes';
import type { ClockBreach, ClockFilter, ClockJudgement, ClockKey, ClocksUpdate, ClockStandard, EventTypeDefinition, OpenClock, StoredMilestone } from '../protocol/eventTypes';
import type { KioskSetup } from '../protocol/kiosk';
import type { CaseJudgementRecord, CaseKey, Store, StoreReads, WriteTx } from '../store/port';
import { toCaseMilestone, type KnownCase } from './ingest/cases';
import type { IngestService } from './ingest/ingest';
import type { CaseNews } from './ingest/outcomes';
import type { StandardsService } from './standards';

/** Node's timers take at most 2^31 − 1 ms; a later instant is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * How far ahead GET /kiosk says which arrivals a standard will not count: a kiosk asks again every few minutes while
 * it is online, so only one offline for longer than this times a later arrival at a closed site as counted.
 */
const KIOSK_ARRIVALS_AHEAD_MS = 7 * 86_400_000;

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

interface WatchedCase {
  key: CaseKey;
  type: EventTypeDefinition;
  state: CaseState;
  /** Its site as stored now (sitesChanged reads it again): the settings its end would be judged by. */
  site: ClockSite;
  /** The standard versions in force when the case started (the ones its finished event is judged by). */
  standards: ClockStandard[];
  /** Standards whose breach was pushed (each once). */
  breached: Set<string>;
  /** Verdicts recorded on the case while open, by standard. */
  recorded: Map<string, ClockJudgement>;
  /** The standings last pushed, to push only changes. */
  pushed: string;
  /**
   * From the look at `quietFrom` until just before `quietUntil` (the next instant one of its clocks turns at-risk or
   * breaches, or it expires) nothing a look finds on this case can change: its standings, breaches and expiry only
   * move at those instants, or when the case itself changes (a new WatchedCase) or a verdict is recorded on it
   * (quietUntil reset). A look skips it meanwhile: with a thousand calls ringing, most looks change a few.
   */
  quietFrom: number;
  quietUntil: number;
}

/** A breach found at a look: announced (and its miss recorded) only by the node that claims it first. */
interface DueBreach {
  key: CaseKey;
  /** The version that set the deadline. */
  standard: ClockStandard;
  deadlineMs: number;
  /** The miss to record now; null when a verdict was already recorded for this standard. */
  miss: ClockJudgement | null;
  /** A verdict recorded before (a restart, another node) already says missed. */
  missedBefore: boolean;
}

export type ClocksListener = (update: ClocksUpdate) => void;

/** The deadline verdict of a standard on a type and ring cycle (deadlineVerdict, memoised for one look). */
type VerdictOf = (s: ClockStandard, type: EventTypeDefinition, site: ClockSite) => boolean;

/** A case opened by a write that has committed, as judged inside that write: watched, and the breaches it claimed. */
interface JudgedInWrite {
  watched: WatchedCase;
  breaches: ClockBreach[];
}

const keyText = (k: CaseKey) => JSON.stringify([k.type, k.site, k.caseId]);

export class ClockService {
  private readonly cases = new Map<string, WatchedCase>();
  /** Cases judged inside the write that opened them (claimOpened), until the refresh that write's commit asked for. */
  private readonly judgedInWrite = new Map<string, JudgedInWrite>();
  private readonly listeners = new Set<ClocksListener>();
  private timer: unknown = null;
  private sharing: unknown = null;
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly unsubscribe: Array<() => void> = [];

  private constructor(private readonly deps: ClockServiceDeps) {}

  /** Loads the open cases; `start()` then judges what is overdue and sets the timer. */
  static async open(deps: ClockServiceDeps): Promise<ClockService> {
    const service = new ClockService(deps);
    const byCase = new Map<string, StoredMilestone[]>();
    for (const m of await deps.store.reads.cases.openMilestones()) {
      const k = keyText(m);
      byCase.set(k, [...(byCase.get(k) ?? []), m]);
    }
    for (const milestones of byCase.values()) {
      const watched = await service.watch(milestones, undefined);
      if (watched) service.cases.set(keyText(watched.key), watched);
    }
    for (const w of service.cases.values()) w.pushed = standingsText(service.clockOf(w, deps.clock.now()));
    return service;
  }

  start(): void {
    this.unsubscribe.push(this.deps.ingest.onCases((keys, known) => this.enqueue(() => this.refresh(keys, known))));
    this.unsubscribe.push(this.deps.ingest.onOpenedCases((tx, opened) => this.claimOpened(tx, opened)));
    this.unsubscribe.push(this.deps.standards.onChange(() => this.enqueue(() => this.refresh([...this.cases.values()].map((c) => c.key)))));
    this.enqueue(() => this.look([], []));
    const every = this.deps.shareMs;
    if (!every) return;
    this.sharing = this.deps.clock.setInterval(() => this.enqueue(() => this.adoptShared()), every);
    this.unsubscribe.push(
      this.deps.store.coordination.onSignal((signal) => {
        if (signal === 'cases' || signal === 'resync') this.enqueue(() => this.adoptShared());
      }),
    );
  }

  onUpdate(listener: ClocksListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The open cases at the clock's time, oldest first, optionally filtered (GET /clocks, the snapshot). */
  openClocks(filter: { type?: string; site?: string; state?: ClockFilter } = {}): OpenClock[] {
    const now = this.deps.clock.now();
    return [...this.cases.values()]
      .filter((c) => (filter.type === undefined || c.key.type === filter.type) && (filter.site === undefined || c.key.site === filter.site))
      .flatMap((c) => this.clockOf(c, now) ?? [])
      .filter((c) => matchesClockFilter(c, filter.state ?? 'open'))
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  /**
   * A site was configured, changed or retired (SitesService.onChange, here or on another node): the open cases are
   * timed by the sites as they are now, and what that changes is pushed. Resolves once it has been.
   */
  sitesChanged(): Promise<void> {
    this.enqueue(() => this.resite());
    return this.work;
  }

  /** Resolves when every look already asked for has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.work;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const off of this.unsubscribe) off();
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    if (this.sharing !== null) this.deps.clock.clearInterval(this.sharing);
    await this.work;
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(() => (this.closed ? undefined : task())).catch((error: unknown) => this.deps.onError(error));
  }

  /**
   * Takes the cases as the write that changed them left them (`known`: closed, or open with all their milestones and
   * case judgements), reads the others again from the store (milestones stored, cases closed), then looks at the clocks.
   */
  private async refresh(keys: readonly CaseKey[], known: ReadonlyMap<string, CaseNews> = new Map()): Promise<void> {
    const closed: ClockKey[] = [];
    const changed: OpenClock[] = [];
    const claimed: ClockBreach[] = [];
    const sites = new Map<string, Promise<ClockSite>>();
    for (const key of keys) {
      const text = keyText(key);
      const news = known.get(text);
      const judged = this.judgedInWrite.get(text);
      this.judgedInWrite.delete(text);
      // Breaches claimed inside the write are pushed by whichever refresh takes its entry first (a look at shared
      // cases may run between that commit and the write's own refresh); the case as judged there carries them as
      // breached, so no later look claims them again.
      if (judged) claimed.push(...judged.breaches);
      const before = this.cases.get(text) ?? judged?.watched;
      let watched: WatchedCase | undefined;
      if (news && judged && !news.closed) watched = judged.watched;
      else if (news) watched = news.closed ? undefined : await this.watch(news.milestones, before, sites, news.recorded);
      else if ((await this.deps.store.reads.cases.get(key))?.state === 'open') watched = await this.watch(await this.deps.store.reads.cases.milestones(key), before, sites);
      if (!watched) {
        if (this.cases.delete(text)) closed.push({ ...key });
        continue;
      }
      this.cases.set(text, watched);
    }
    await this.look(changed, closed, claimed);
  }

  /**
   * Inside the write that opened `opened` (ingest's OpenedCasesHook): claims the breaches already due on them and
   * records their misses in that write, so they commit with the milestones (one durable write instead of two). No
   * other node can have claimed them: the write creates their case rows. What was claimed is pushed by the refresh
   * that write's commit asks for; if the write rolls back, nothing here happened.
   */
  private async claimOpened(tx: WriteTx, opened: ReadonlyArray<{ key: CaseKey } & KnownCase>): Promise<(() => void) | void> {
    if (this.closed) return;
    const now = this.deps.clock.now();
    const verdict = verdictMemo();
    const sites = new Map<string, Promise<ClockSite>>();
    const judged: Array<[string, JudgedInWrite]> = [];
    for (const o of opened) {
      const watched = await this.watch(o.milestones, undefined, sites, o.recorded, tx.sites);
      if (!watched) continue;
      judged.push([keyText(watched.key), { watched, breaches: await this.claimIn(tx, this.dueOf(watched, now, verdict), watched) }]);
    }
    return () => {
      for (const [text, j] of judged) this.judgedInWrite.set(text, j);
    };
  }

  /** Cases other nodes opened (or closed) since this node last looked: read again, then looked at. */
  private async adoptShared(): Promise<void> {
    const open = await this.deps.store.reads.cases.open();
    const openKeys = new Set(open.map(keyText));
    const news = open.filter((c) => !this.cases.has(keyText(c))).map((c) => ({ type: c.type, site: c.site, caseId: c.caseId }));
    const gone = [...this.cases.values()].filter((c) => !openKeys.has(keyText(c.key))).map((c) => c.key);
    if (news.length > 0 || gone.length > 0) await this.refresh([...news, ...gone]);
  }

  /** GET /kiosk: the visit type and the standards that time a visitor at `siteId` from arrival, now. */
  async kioskSetup(siteId: string): Promise<KioskSetup> {
    const nowMs = this.deps.clock.now();
    const stored = await this.deps.store.reads.sites.get(siteId);
    const site = stored && !stored.retired ? stored : defaultSite(siteId, this.deps.timeZone);
    const type = this.deps.ingest.registry().get(VISIT_TYPE.id) ?? VISIT_TYPE;
    const [from, to] = [nowMs - type.maxOpenSeconds * 1000, nowMs + KIOSK_ARRIVALS_AHEAD_MS];
    const span = (s: { start: number; end: number }) => ({ from: new Date(s.start).toISOString(), to: new Date(s.end).toISOString() });
    const standards = standardsFromStart(type, siteId, site, this.deps.standards.inForceAt(nowMs)).map(({ standard, atRiskSeconds, deadlineSeconds }) => ({
      standardId: standard.id,
      name: standard.name,
      atRiskSeconds,
      deadlineSeconds,
      clock: standard.clock ?? 'wall',
      notCounted: uncountedStarts(standard, site, from, to).map(span),
    }));
    return { site: { id: siteId, name: site.name, timeZone: site.timeZone }, eventType: type, standards, serverTime: new Date(nowMs).toISOString() };
  }

  /**
   * The case its milestones make up. `sites`: the sites looked up so far in this pass; `judgements`: the case's
   * judgements as the write that changed it knew them, else read. With known judgements, a verdict kept in `before`
   * stays too: case judgements are never taken back, and one this node claimed may be newer than that write.
   */
  private async watch(
    milestones: readonly StoredMilestone[],
    before: WatchedCase | undefined,
    sites = new Map<string, Promise<ClockSite>>(),
    judgements?: readonly CaseJudgementRecord[],
    siteReads: StoreReads['sites'] = this.deps.store.reads.sites,
  ): Promise<WatchedCase | undefined> {
    const first = milestones[0];
    const type = first && this.deps.ingest.registry().get(first.type);
    if (!first || !type) return undefined;
    const key = { type: first.type, site: first.site, caseId: first.caseId };
    const state = caseState(type, milestones.map(toCaseMilestone));
    const site = this.siteIn(sites, first.site, siteReads);
    const standards = this.deps.standards.inForceAt(state.start?.atMs ?? Date.parse(first.at));
    const recorded = new Map(judgements ? before?.recorded : undefined);
    for (const r of judgements ?? (await this.deps.store.reads.cases.judgements(key))) recorded.set(r.judgement.standardId, r.judgement);
    return { key, type, state, site: await site, standards, recorded, breached: before?.breached ?? new Set(), pushed: before?.pushed ?? '', quietFrom: Infinity, quietUntil: -Infinity };
  }

  /** The site `name` as judging reads it (a retired site: the defaults), looked up once per pass (`sites`). */
  private siteIn(sites: Map<string, Promise<ClockSite>>, name: string, reads: StoreReads['sites'] = this.deps.store.reads.sites): Promise<ClockSite> {
    let site = sites.get(name);
    if (!site) sites.set(name, (site = this.siteOf(name, reads)));
    return site;
  }

  private async siteOf(name: string, reads: StoreReads['sites']): Promise<ClockSite> {
    const stored = await reads.get(name);
    return stored && !stored.retired ? stored : defaultSite(name, this.deps.timeZone);
  }

  /**
   * Every watched case takes its site as stored now (one read per site), as the judgement of its end would: a site
   * changed or retired moves its open cases' deadlines, at-risk instants and "not counted" standings, and the timer.
   * Verdicts already recorded and breaches already pushed stay (they are never taken back).
   */
  private async resite(): Promise<void> {
    const sites = new Map<string, Promise<ClockSite>>();
    for (const c of this.cases.values()) {
      c.site = await this.siteIn(sites, c.key.site);
      c.quietUntil = -Infinity;
    }
    await this.look([], []);
  }

  private clockOf(c: WatchedCase, nowMs: number): OpenClock | null {
    return openClockOf(c.state, c.standards, c.site, nowMs, c.recorded.size === 0 ? undefined : (id) => c.recorded.get(id));
  }

  /**
   * Judges every clock at the clock's time: breaches (pushed once), misses recorded at the deadline, cases past
   * their expiry closed; then pushes what changed and sets the timer for the next instant anything changes.
   */
  private async look(changed: OpenClock[], closed: ClockKey[], claimed: readonly ClockBreach[] = []): Promise<void> {
    const now = this.deps.clock.now();
    const due: DueBreach[] = [];
    const expired: CaseKey[] = [];
    const verdict = verdictMemo();
    for (const c of this.cases.values()) {
      if (c.quietFrom <= now && now < c.quietUntil) continue;
      const expiry = expiresAtMs(c.type, c.state);
      const isExpired = expiry !== null && now >= expiry;
      if (isExpired) expired.push(c.key);
      due.push(...this.dueOf(c, now, verdict));
      const clock = this.clockOf(c, now);
      const standings = standingsText(clock);
      if (clock && standings !== c.pushed) changed.push(clock);
      c.pushed = standings;
      c.quietFrom = now;
      c.quietUntil = isExpired ? -Infinity : nextChangeOf(c, now);
    }
    const breaches = [...claimed, ...(await this.claim(due))];
    // Expired cases close through ingest; its case listener brings them back here as closed.
    if (expired.length > 0) closed.push(...(await this.forgetClosedElsewhere(expired, await this.deps.ingest.settle(expired))));
    // A set, not closed.some(): a request closing a thousand cases had a thousand changed clocks to filter.
    const closedKeys = new Set(closed.map(keyText));
    this.push({ serverTime: new Date(now).toISOString(), changed: changed.filter((c) => !closedKeys.has(keyText(c))), closed, breaches });
    this.schedule(now);
  }

  /**
   * The breaches this node announces: those whose claim it stored first (several nodes on one store may watch the
   * same case; each breach is pushed, and its miss recorded, once). A breach claimed by another node is not pushed here.
   */
  private async claim(due: readonly DueBreach[]): Promise<ClockBreach[]> {
    if (due.length === 0) return [];
    return this.deps.store.write((tx) => this.claimIn(tx, due));
  }

  /** Claims each breach in `tx` and records its miss; `watched`: the case they are all on (else looked up). */
  private async claimIn(tx: WriteTx, due: readonly DueBreach[], watched?: WatchedCase): Promise<ClockBreach[]> {
    const breaches: ClockBreach[] = [];
    for (const b of due) {
      const standardId = b.standard.id;
      if (!(await tx.writes.claimBreach(b.key, standardId, b.deadlineMs))) continue;
      if (b.miss) {
        await tx.writes.caseJudgement(b.key, b.miss);
        const c = watched ?? this.cases.get(keyText(b.key));
        if (c) {
          c.recorded.set(standardId, b.miss);
          // Its standings now show the verdict: the next look pushes them.
          c.quietUntil = -Infinity;
        }
      }
      // Field by field: on Node 20 a spread of the key followed by new keys cost microseconds per breach.
      breaches.push({
        type: b.key.type, site: b.key.site, caseId: b.key.caseId, standardId, standardVersion: b.standard.version, standardLabel: clockLabel(b.standard),
        deadline: new Date(b.deadlineMs).toISOString(), missed: b.miss !== null || b.missedBefore,
      });
    }
    return breaches;
  }

  /** The breaches of `c` newly due at `now` (each standard's once: marked breached here), with the miss to record. */
  private dueOf(c: WatchedCase, now: number, verdict: VerdictOf): DueBreach[] {
    const due: DueBreach[] = [];
    for (const s of standardsForCase(c.state, c.standards)) {
      const status = clockStatus(c.state, s, c.site, now);
      if (status?.state !== 'breached' || c.breached.has(s.id)) continue;
      c.breached.add(s.id);
      const miss = c.recorded.has(s.id) ? null : deadlineJudgement(c.state, s, c.type, c.site, now, verdict);
      due.push({ key: c.key, standard: s, deadlineMs: status.deadlineMs!, miss, missedBefore: c.recorded.get(s.id)?.met === false });
    }
    return due;
  }

  /**
   * Expired cases another node closed first: dropped here, and returned to be pushed closed to this node's clients
   * (those closed here come back through ingest's case listener).
   */
  private async forgetClosedElsewhere(expired: readonly CaseKey[], closedHere: readonly CaseKey[]): Promise<ClockKey[]> {
    const dropped: ClockKey[] = [];
    for (const key of expired) {
      if (closedHere.some((k) => keyText(k) === keyText(key))) continue;
      if ((await this.deps.store.reads.cases.get(key))?.state !== 'closed') continue;
      this.cases.delete(keyText(key));
      dropped.push({ ...key });
    }
    return dropped;
  }

  private push(update: ClocksUpdate): void {
    if (update.changed.length === 0 && update.closed.length === 0 && update.breaches.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        this.deps.onError(error);
      }
    }
  }

  /** One timer, for the earliest instant after now at which a standing changes or a case expires. */
  private schedule(now: number): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    let next = Infinity;
    // The look just before found each case's next change, unless a verdict was recorded on it since (or it expired).
    for (const c of this.cases.values()) next = Math.min(next, c.quietFrom <= now && now < c.quietUntil ? c.quietUntil : nextChangeOf(c, now));
    if (next === Infinity || this.closed) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.enqueue(() => this.look([], []));
    }, Math.min(MAX_TIMER_MS, next - now));
  }
}

/** The earliest instant after `now` at which one of the case's clocks turns at-risk or breaches, or it expires. */
function nextChangeOf(c: WatchedCase, now: number): number {
  let next = Infinity;
  const expiry = expiresAtMs(c.type, c.state);
  if (expiry !== null && expiry > now) next = expiry;
  for (const s of standardsForCase(c.state, c.standards)) {
    const status = clockStatus(c.state, s, c.site, now);
    if (status?.atRiskMs != null && status.atRiskMs > now) next = Math.min(next, status.atRiskMs);
    if (status?.breachMs != null && status.breachMs > now) next = Math.min(next, status.breachMs);
  }
  return next;
}

/**
 * deadlineVerdict judges hypothetical ends: the same for every case of one type definition, standard version
 * (versions never change) and ring cycle, so one look (or one write) asks it once per combination.
 */
function verdictMemo(): VerdictOf {
  const verdicts = new Map<EventTypeDefinition, Map<string, boolean>>();
  return (s, type, site) => {
    let ofType = verdicts.get(type);
    if (!ofType) verdicts.set(type, (ofType = new Map<string, boolean>()));
    const k = `${s.id}\u0000${s.version}\u0000${site.ringCycleSeconds}`;
    let v = ofType.get(k);
    if (v === undefined) ofType.set(k, (v = deadlineVerdict(s, type, site)));
    return v;
  };
}

/** What a push compares: each standard's state (elapsed time alone is not a change). */
function standingsText(clock: OpenClock | null): string {
  return clock ? JSON.stringify(clock.standards.map((s) => [s.standardId, s.state, s.deadline, s.judged ?? null])) : '';
}
