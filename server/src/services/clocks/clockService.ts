// Open clocks: the cases that are open now (calls ringing, visitors waiting, complaints open), each standard's
// clock on them, and the server's side of their deadlines. One timer waits for the next instant a standing
// changes (at-risk, a deadline, expiry); at a deadline the breach is pushed at once and, when every way the clock
// can still end is a miss, the miss is recorded on the case (reason 'deadline'); at expiry the case closes through
// the ingest service (its finished event). Several nodes on one store may watch one case: a breach is claimed in the
// store first, and only the node whose claim is stored pushes it and records its miss (once in all). All rules are
// domain/clocks/; the time is the server's Clock, so a server started after a deadline judges the overdue clocks
// at its first look.
import { expiresAtMs, matchesClockFilter, openClockOf, type ClockSite } from '../../domain/clocks';
import type { ClockBreach, ClockFilter, ClockKey, ClocksUpdate, OpenClock, StoredMilestone } from '../../protocol/eventTypes';
import type { KioskSetup } from '../../protocol/kiosk';
import type { CaseKey, WriteTx } from '../../store/port';
import { caseText, type KnownCase } from '../ingest/cases';
import type { CaseNews } from '../ingest/outcomes';
import { claimIn, dueOf, verdictMemo, type DueBreach } from './breaches';
import { siteIn, type ClockServiceDeps } from './context';
import { kioskSetup } from './kiosk';
import { nextChangeOf, standingsText, watch, type WatchedCase } from './watched';

/** Node's timers take at most 2^31 − 1 ms; a later instant is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type ClocksListener = (update: ClocksUpdate) => void;

/** A case opened by a write that has committed, as judged inside that write: watched, and the breaches it claimed. */
interface JudgedInWrite {
  watched: WatchedCase;
  breaches: ClockBreach[];
}

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
      const k = caseText(m);
      byCase.set(k, [...(byCase.get(k) ?? []), m]);
    }
    for (const milestones of byCase.values()) {
      const watched = await watch(deps, milestones, undefined);
      if (watched) service.cases.set(caseText(watched.key), watched);
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

  /** How many cases are open now (GET /metrics). */
  openCount(): number {
    return this.cases.size;
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
      const text = caseText(key);
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
      else if (news) watched = news.closed ? undefined : await watch(this.deps, news.milestones, before, sites, news.recorded);
      else if ((await this.deps.store.reads.cases.get(key))?.state === 'open') watched = await watch(this.deps, await this.deps.store.reads.cases.milestones(key), before, sites);
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
      const watched = await watch(this.deps, o.milestones, undefined, sites, o.recorded, tx.sites);
      if (!watched) continue;
      judged.push([caseText(watched.key), { watched, breaches: await claimIn(tx, dueOf(watched, now, verdict), this.cases, watched) }]);
    }
    return () => {
      for (const [text, j] of judged) this.judgedInWrite.set(text, j);
    };
  }

  /** Cases other nodes opened (or closed) since this node last looked: read again, then looked at. */
  private async adoptShared(): Promise<void> {
    const open = await this.deps.store.reads.cases.open();
    const openKeys = new Set(open.map(caseText));
    const news = open.filter((c) => !this.cases.has(caseText(c))).map((c) => ({ type: c.type, site: c.site, caseId: c.caseId }));
    const gone = [...this.cases.values()].filter((c) => !openKeys.has(caseText(c.key))).map((c) => c.key);
    if (news.length > 0 || gone.length > 0) await this.refresh([...news, ...gone]);
  }

  /** GET /kiosk (kiosk.ts). */
  kioskSetup(siteId: string): Promise<KioskSetup> {
    return kioskSetup(this.deps, siteId);
  }

  /**
   * Every watched case takes its site as stored now (one read per site), as the judgement of its end would: a site
   * changed or retired moves its open cases' deadlines, at-risk instants and "not counted" standings, and the timer.
   * Verdicts already recorded and breaches already pushed stay (they are never taken back).
   */
  private async resite(): Promise<void> {
    const sites = new Map<string, Promise<ClockSite>>();
    for (const c of this.cases.values()) {
      c.site = await siteIn(this.deps, sites, c.key.site);
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
      due.push(...dueOf(c, now, verdict));
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
    const closedKeys = new Set(closed.map(caseText));
    this.push({ serverTime: new Date(now).toISOString(), changed: changed.filter((c) => !closedKeys.has(caseText(c))), closed, breaches });
    this.schedule(now);
  }

  /**
   * The breaches this node announces: those whose claim it stored first (several nodes on one store may watch the
   * same case; each breach is pushed, and its miss recorded, once). A breach claimed by another node is not pushed here.
   */
  private async claim(due: readonly DueBreach[]): Promise<ClockBreach[]> {
    if (due.length === 0) return [];
    return this.deps.store.write((tx) => claimIn(tx, due, this.cases));
  }

  /**
   * Expired cases another node closed first: dropped here, and returned to be pushed closed to this node's clients
   * (those closed here come back through ingest's case listener).
   */
  private async forgetClosedElsewhere(expired: readonly CaseKey[], closedHere: readonly CaseKey[]): Promise<ClockKey[]> {
    const dropped: ClockKey[] = [];
    for (const key of expired) {
      if (closedHere.some((k) => caseText(k) === caseText(key))) continue;
      if ((await this.deps.store.reads.cases.get(key))?.state !== 'closed') continue;
      this.cases.delete(caseText(key));
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
