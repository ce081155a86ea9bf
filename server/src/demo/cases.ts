// The demo as cases with milestones, the way a site's systems would report them: a call starts ringing and is
// answered (or abandoned) seconds later, a visitor arrives and is greeted (or leaves), a complaint comes in during
// business hours and is acknowledged, resolved and followed up over hours and days. Calls and visits keep the
// well-run operation of simulator.ts (its moods: calm, with a busy spell at a site now and then); complaints mostly
// meet their standards (acknowledged within 4 business hours, resolved within 3 business days, followed up within 2
// days), with an occasional late one. Pure given the seed: arrivals in time order from `startMs`, each case with
// every milestone it will reach and when.
import type { EventInput } from '../protocol';
import { chance, exponential, pick, seededRandom, type Random } from './random';
import { BUSY, CALM, DEFAULT_SPELL_GAP_MS, DEFAULT_SPELL_MS, DEMO_SITES, type DemoSite, type Mood } from './simulator';

type DemoCaseType = 'call' | 'visit' | 'complaint';

export interface DemoMilestone {
  milestone: string;
  atMs: number;
  agent?: string;
  queue?: string;
  /** On an answered call or a greeted visitor: how long serving took. */
  handleSeconds?: number;
}

export interface DemoCase {
  type: DemoCaseType;
  site: string;
  caseId: string;
  /** In time order; the first is the start, the last a stop. */
  milestones: DemoMilestone[];
}

export interface CaseSimulatorOptions {
  seed: number;
  /** Simulated time of the first arrival's clock (ms since the epoch). */
  startMs: number;
  /** Mean arrivals of calls and visits per second over all sites (default 2). */
  eventsPerSecond?: number;
  /**
   * Before the hour ending at this instant (the backfill of history) calls and visits arrive at
   * `historyEventsPerSecond` instead; in that hour they already arrive at the live rate (LIVE_RATE_BEFORE_LIVE_MS).
   */
  liveFromMs?: number;
  /** Default 0.04: about 24,000 calls and visits over 7 days (some 140 an hour), enough for every chart and stored in seconds. */
  historyEventsPerSecond?: number;
  /** Mean complaints per site per business hour (default 0.5). */
  complaintsPerHour?: number;
  /** When a site takes complaints (default: Monday to Friday, 09:00–17:00 UTC). */
  isBusinessHour?: (site: string, ms: number) => boolean;
  sites?: readonly DemoSite[];
  meanSpellGapMs?: number;
  spellMs?: readonly [number, number];
}

/** Every site is calm for the hour before the live demo starts and its first minutes: no wall of red at first sight. */
const CALM_BEFORE_LIVE_MS = 60 * 60_000;
const CALM_AFTER_LIVE_MS = 5 * 60_000;
const CALM_AFTER_SPELL_MS = 30 * 60_000;
/**
 * Calls and visits arrive at the live rate for the hour before the live start, the hour the alerts' band window and
 * the *Live 1 h* tile read when the demo starts. At the thin history rate that hour held some fifteen events per site
 * and standard, so a calm hour's two or three chance misses read as 86 % and opened an incident in the first minute;
 * at the live rate (over a thousand each) a calm hour reads as calm, as the live demo that follows it does.
 */
const LIVE_RATE_BEFORE_LIVE_MS = CALM_BEFORE_LIVE_MS;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const DEFAULT_HISTORY_EVENTS_PER_SECOND = 0.04;

/**
 * The history's shape over the day (by UTC hour, mean 1): quiet nights, a morning peak and a smaller afternoon one,
 * so the Staffing view's forecast has hours that need more people than others. The live demo keeps its own rate.
 */
const RAW_SHAPE = [0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.1, 1.7, 2.1, 2.2, 1.9, 1.5, 1.7, 1.9, 1.8, 1.5, 1.1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25];
const SHAPE_MEAN = RAW_SHAPE.reduce((s, v) => s + v, 0) / RAW_SHAPE.length;
export const HISTORY_DAY_SHAPE: readonly number[] = RAW_SHAPE.map((v) => v / SHAPE_MEAN);
const SHAPE_PEAK = Math.max(...HISTORY_DAY_SHAPE);

export function weekdayOfficeHours(_site: string, ms: number): boolean {
  const d = new Date(ms);
  const day = d.getUTCDay();
  const hour = d.getUTCHours();
  return day >= 1 && day <= 5 && hour >= 9 && hour < 17;
}

export interface CaseSimulator {
  /** The next case to start, in start order. */
  next(): DemoCase;
}

export function createCaseSimulator(options: CaseSimulatorOptions): CaseSimulator {
  const random = seededRandom(options.seed);
  const sites = options.sites ?? DEMO_SITES;
  const liveFromMs = options.liveFromMs ?? options.startMs;
  const isBusinessHour = options.isBusinessHour ?? weekdayOfficeHours;
  const moods = createMoods(random, sites, options, liveFromMs);
  const complaintMeanGapMs = HOUR / ((options.complaintsPerHour ?? 0.5) * sites.length);
  let nextTrafficMs = options.startMs;
  let nextComplaintMs = options.startMs + exponential(random, complaintMeanGapMs);
  let counter = 0;

  // History arrives at the history rate shaped over the day: drawn at the peak rate, each kept with the hour's share.
  const historyPeakRate = (options.historyEventsPerSecond ?? DEFAULT_HISTORY_EVENTS_PER_SECOND) * SHAPE_PEAK;
  const liveRateFromMs = liveFromMs - LIVE_RATE_BEFORE_LIVE_MS;
  const trafficGapMs = (atMs: number) => 1000 / (atMs < liveRateFromMs ? historyPeakRate : (options.eventsPerSecond ?? 2));
  const kept = (atMs: number) => atMs >= liveRateFromMs || chance(random, HISTORY_DAY_SHAPE[new Date(atMs).getUTCHours()]! / SHAPE_PEAK);

  return {
    next() {
      const id = () => `demo-${options.seed}-${++counter}`;
      for (;;) {
        while (nextComplaintMs <= nextTrafficMs) {
          const atMs = nextComplaintMs;
          nextComplaintMs += exponential(random, complaintMeanGapMs);
          const site = pick(random, sites);
          // Complaints come in while the site is open; one drawn outside its hours is dropped.
          if (isBusinessHour(site.name, atMs)) return complaintCase(random, site, atMs, id());
        }
        const atMs = nextTrafficMs;
        nextTrafficMs += exponential(random, trafficGapMs(atMs));
        if (!kept(atMs)) continue;
        const site = pick(random, sites);
        const mood = moods(site.name, atMs);
        return chance(random, site.callShare) ? callCase(random, site, mood, atMs, id()) : visitCase(random, site, mood, atMs, id());
      }
    },
  };
}

/** Busy spells per site in simulated time, never in the calm around the live start. */
function createMoods(random: Random, sites: readonly DemoSite[], options: CaseSimulatorOptions, liveFromMs: number): (site: string, atMs: number) => Mood {
  const gapMs = options.meanSpellGapMs ?? DEFAULT_SPELL_GAP_MS;
  const [shortest, longest] = options.spellMs ?? DEFAULT_SPELL_MS;
  const spellAfter = (fromMs: number, calmMs: number) => {
    const startMs = fromMs + calmMs + exponential(random, gapMs);
    return { startMs, endMs: startMs + shortest + random() * (longest - shortest) };
  };
  const calmFrom = liveFromMs - CALM_BEFORE_LIVE_MS;
  const calmUntil = liveFromMs + CALM_AFTER_LIVE_MS;
  // A spell that would overlap the calm around the live start is moved after it, as a fresh draw: the demo then
  // starts the way it did before history existed (calm, the first spell some time after the first minutes).
  const spells = new Map<string, Spell>();
  // One site busy at a time, with a pause between: a well-run operation has a bad quarter of an hour somewhere now
  // and then, not every site struggling at once (which would fill the first screen with red).
  const placed = (site: string, spell: Spell): Spell => {
    for (let tries = 0; tries < 20; tries += 1) {
      if (spell.startMs < calmUntil && spell.endMs > calmFrom) spell = spellAfter(calmUntil, 0);
      const clash = [...spells].find(([other, s]) => other !== site && spell.startMs < s.endMs + SPELL_PAUSE_MS && s.startMs < spell.endMs + SPELL_PAUSE_MS);
      if (!clash) return spell;
      spell = spellAfter(clash[1].endMs + SPELL_PAUSE_MS, 0);
    }
    return spell;
  };
  for (const site of sites) spells.set(site.name, placed(site.name, spellAfter(options.startMs, 0)));
  return (site, atMs) => {
    let spell = spells.get(site)!;
    while (atMs >= spell.endMs) spell = placed(site, spellAfter(spell.endMs, CALM_AFTER_SPELL_MS));
    spells.set(site, spell);
    return atMs >= spell.startMs ? BUSY : CALM;
  };
}

interface Spell {
  startMs: number;
  endMs: number;
}

/** The least time between the end of one site's busy spell and the start of another's. */
const SPELL_PAUSE_MS = 10 * 60_000;

function callCase(random: Random, site: DemoSite, mood: Mood, atMs: number, caseId: string): DemoCase {
  const abandoned = chance(random, mood.abandonChance);
  const seconds = round1(abandoned ? 3 + exponential(random, 12) : exponential(random, mood.slowAnswerMean));
  const queue = pick(random, site.queues);
  const stop: DemoMilestone = abandoned
    ? { milestone: 'abandoned', atMs: atMs + seconds * 1000, queue }
    : { milestone: 'answered', atMs: atMs + seconds * 1000, queue, agent: pick(random, site.agents), handleSeconds: round1(30 + exponential(random, 90)) };
  return { type: 'call', site: site.name, caseId, milestones: [{ milestone: 'started', atMs, queue }, stop] };
}

function visitCase(random: Random, site: DemoSite, mood: Mood, atMs: number, caseId: string): DemoCase {
  const left = chance(random, mood.leaveChance);
  const seconds = round1(left ? 20 + exponential(random, 60) : exponential(random, mood.greetMean));
  const stop: DemoMilestone = left
    ? { milestone: 'left', atMs: atMs + seconds * 1000 }
    : { milestone: 'greeted', atMs: atMs + seconds * 1000, agent: pick(random, site.agents), handleSeconds: round1(30 + exponential(random, 150)) };
  return { type: 'visit', site: site.name, caseId, milestones: [{ milestone: 'arrived', atMs }, stop] };
}

/**
 * Acknowledged in about an hour (4 % late: 5–8 h), resolved in about a day after that (5 % late: 4–6 days),
 * followed up about half a day after resolution (5 % late: 2.5–4 days). Wall time: the late ones miss their
 * business-time standards too, the others meet them unless a weekend falls in between.
 */
function complaintCase(random: Random, site: DemoSite, atMs: number, caseId: string): DemoCase {
  const agent = pick(random, site.agents);
  const acknowledgedMs = atMs + (chance(random, 0.04) ? (5 + random() * 3) * HOUR : Math.min(exponential(random, 0.9 * HOUR), 3 * HOUR));
  const resolvedMs = acknowledgedMs + (chance(random, 0.05) ? (4 + random() * 2) * DAY : Math.min(exponential(random, 0.8 * DAY), 2 * DAY));
  const followedUpMs = resolvedMs + (chance(random, 0.05) ? (2.5 + random() * 1.5) * DAY : Math.min(exponential(random, 0.5 * DAY), 1.5 * DAY));
  return {
    type: 'complaint',
    site: site.name,
    caseId,
    milestones: [
      { milestone: 'received', atMs },
      { milestone: 'acknowledged', atMs: Math.round(acknowledgedMs), agent },
      { milestone: 'resolved', atMs: Math.round(resolvedMs), agent },
      { milestone: 'followedUp', atMs: Math.round(followedUpMs), agent },
    ],
  };
}

function round1(n: number): number {
  return Math.min(Math.round(n * 10) / 10, 3600);
}

/** The milestone as POST /api/v1/milestones takes it. */
export function milestoneInput(c: DemoCase, m: DemoMilestone): { type: string; site: string; caseId: string; milestone: string; at: string; agent?: string; queue?: string; handleSeconds?: number } {
  return {
    type: c.type, site: c.site, caseId: c.caseId, milestone: m.milestone, at: new Date(m.atMs).toISOString(),
    ...(m.agent ? { agent: m.agent } : {}), ...(m.queue ? { queue: m.queue } : {}), ...(m.handleSeconds === undefined ? {} : { handleSeconds: m.handleSeconds }),
  };
}

/** A call or visit that ended as the finished event POST /api/v1/events takes (history); null for other types. */
export function finishedEventOf(c: DemoCase): EventInput | null {
  const [start, stop] = [c.milestones[0]!, c.milestones[c.milestones.length - 1]!];
  const seconds = Math.round(stop.atMs - start.atMs) / 1000;
  const common = {
    id: c.caseId, site: c.site, occurredAt: new Date(start.atMs).toISOString(), ...(stop.agent ? { agent: stop.agent } : {}),
    ...(stop.handleSeconds === undefined ? {} : { handleSeconds: stop.handleSeconds }),
  };
  if (c.type === 'call') return { ...common, type: 'call', outcome: stop.milestone === 'answered' ? 'answered' : 'abandoned', answerSeconds: seconds, ...(stop.queue ? { queue: stop.queue } : {}) };
  if (c.type === 'visit') return { ...common, type: 'visit', outcome: stop.milestone === 'greeted' ? 'greeted' : 'left', greetSeconds: seconds };
  return null;
}

/** A case's milestones before `nowMs` (already happened) and from `nowMs` on (still to come). */
export function splitAt(c: DemoCase, nowMs: number): { past: DemoMilestone[]; future: DemoMilestone[] } {
  return { past: c.milestones.filter((m) => m.atMs < nowMs), future: c.milestones.filter((m) => m.atMs >= nowMs) };
}

/**
 * The demo's history and its live start: every case that started in [fromMs, liveFromMs). Calls and visits that
 * ended come back as finished events, complaints that ended as all their milestones; a case still open at
 * liveFromMs gives the milestones it already reached and the ones still to come.
 */
export interface Backfill {
  events: EventInput[];
  milestones: Array<ReturnType<typeof milestoneInput>>;
  /** Milestones of cases open at liveFromMs, still to come (by time). */
  pending: Array<{ atMs: number; input: ReturnType<typeof milestoneInput> }>;
}

export function backfill(simulator: CaseSimulator, liveFromMs: number): { backfill: Backfill; firstLive: DemoCase } {
  const result: Backfill = { events: [], milestones: [], pending: [] };
  for (;;) {
    const c = simulator.next();
    if (c.milestones[0]!.atMs >= liveFromMs) {
      result.pending.sort((a, b) => a.atMs - b.atMs);
      return { backfill: result, firstLive: c };
    }
    const { past, future } = splitAt(c, liveFromMs);
    const finished = future.length === 0 ? finishedEventOf(c) : null;
    if (finished) result.events.push(finished);
    else result.milestones.push(...past.map((m) => milestoneInput(c, m)));
    result.pending.push(...future.map((m) => ({ atMs: m.atMs, input: milestoneInput(c, m) })));
  }
}
