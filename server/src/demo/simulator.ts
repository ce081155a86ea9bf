// Simulated service traffic: Poisson arrivals across sites, as a well-run operation sees it: mostly on target (about
// 97 % of calls answered within 2 rings, visitors greeted within 30 s), with a busy spell at a site now and then
// (a few minutes of slow answers, abandons and visitors who leave: a realistic dip). Spells are set in simulated
// time, not per event, so their length does not depend on the traffic rate. Pure given the seed.
import type { CallEventInput, EventInput, VisitEventInput } from '../protocol';
import { ringOnWhichAnswered, DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import { chance, exponential, pick, seededRandom, type Random } from './random';

export interface DemoSite {
  name: string;
  /** What an ops lead calls it ("Harbour"): the demo configures its sites with these names. */
  displayName: string;
  /** Share of this site's events that are calls (the rest are visits). */
  callShare: number;
  agents: readonly string[];
  queues: readonly string[];
}

export const DEMO_SITES: readonly DemoSite[] = [
  { name: 'downtown', displayName: 'Downtown', callShare: 0.6, agents: ['ana', 'ben', 'chloe', 'dev'], queues: ['sales', 'support'] },
  { name: 'airport', displayName: 'Airport', callShare: 0.4, agents: ['eli', 'fatima', 'gus'], queues: ['bookings', 'lost-baggage'] },
  { name: 'harbour', displayName: 'Harbour', callShare: 0.5, agents: ['hana', 'ivan'], queues: ['ferries'] },
];

export interface SimulatorOptions {
  seed: number;
  /** Mean arrivals per second over all sites. */
  eventsPerSecond?: number;
  sites?: readonly DemoSite[];
  /** Mean time between busy spells at one site beyond the calm after each, ms (default 60 min). */
  meanSpellGapMs?: number;
  /** Shortest and longest busy spell, ms (default 8 to 16 min). */
  spellMs?: readonly [number, number];
}

export interface Arrival {
  /** Wait before this arrival, ms (exponential: Poisson process). */
  delayMs: number;
  /** Builds the event as the integration would post it when the arrival happens at nowMs. */
  eventAt(nowMs: number): EventInput;
}

interface Mood {
  slowAnswerMean: number;
  abandonChance: number;
  greetMean: number;
  leaveChance: number;
}

// Calm: ~2 % of calls answered after the 2nd ring (6 s cycle) and 1 % abandoned; ~1.4 % of visitors greeted after
// 30 s and 1 % leave (about 97 % on standard). Busy: about 40 % of each are missed.
const CALM: Mood = { slowAnswerMean: 3, abandonChance: 0.01, greetMean: 7, leaveChance: 0.01 };
const BUSY: Mood = { slowAnswerMean: 11, abandonChance: 0.08, greetMean: 30, leaveChance: 0.08 };

/** Mean time from one busy spell at a site to the next, on top of the calm that follows every spell. */
const DEFAULT_SPELL_GAP_MS = 60 * 60_000;
const DEFAULT_SPELL_MS: readonly [number, number] = [8 * 60_000, 16 * 60_000];
/** A site is calm for at least this long after a spell (staff catch up), and for the demo's first minutes. */
const CALM_AFTER_SPELL_MS = 30 * 60_000;
const CALM_AT_START_MS = 5 * 60_000;

export function createSimulator(options: SimulatorOptions): { next(): Arrival } {
  const random = seededRandom(options.seed);
  const sites = options.sites ?? DEMO_SITES;
  const meanGapMs = 1000 / (options.eventsPerSecond ?? 2);
  const spellGapMs = options.meanSpellGapMs ?? DEFAULT_SPELL_GAP_MS;
  const [shortest, longest] = options.spellMs ?? DEFAULT_SPELL_MS;
  // Per site: the next busy spell [startMs, endMs) in simulated time (from the first arrival on).
  const spells = new Map(sites.map((site) => [site.name, spellAfter(0, CALM_AT_START_MS)]));
  let elapsedMs = 0;
  let counter = 0;

  function spellAfter(fromMs: number, calmMs: number): { startMs: number; endMs: number } {
    const startMs = fromMs + calmMs + exponential(random, spellGapMs);
    return { startMs, endMs: startMs + shortest + random() * (longest - shortest) };
  }

  function moodOf(site: string): Mood {
    let spell = spells.get(site)!;
    while (elapsedMs >= spell.endMs) spell = spellAfter(spell.endMs, CALM_AFTER_SPELL_MS);
    spells.set(site, spell);
    return elapsedMs >= spell.startMs ? BUSY : CALM;
  }

  return {
    next() {
      const delayMs = exponential(random, meanGapMs);
      elapsedMs += delayMs;
      const site = pick(random, sites);
      const mood = moodOf(site.name);
      const isCall = chance(random, site.callShare);
      const id = `demo-${options.seed}-${++counter}`;
      const build = isCall ? callBuilder(random, site, mood, id) : visitBuilder(random, site, mood, id);
      return { delayMs, eventAt: build };
    },
  };
}

function callBuilder(random: Random, site: DemoSite, mood: Mood, id: string): (nowMs: number) => CallEventInput {
  const abandoned = chance(random, mood.abandonChance);
  const seconds = round1(abandoned ? 3 + exponential(random, 12) : exponential(random, mood.slowAnswerMean));
  // Integrations differ: some PBXs report seconds, some rings, some both.
  const style = random();
  const rings = ringOnWhichAnswered(seconds, DEFAULT_RING_CYCLE_SECONDS);
  const measured = style < 0.5 ? { answerSeconds: seconds } : style < 0.8 ? { rings } : { rings, answerSeconds: seconds };
  const agent = abandoned ? {} : { agent: pick(random, site.agents) };
  const queue = pick(random, site.queues);
  // The PBX posts when the call ends, so it began `seconds` ago.
  return (nowMs) => ({ id, type: 'call', site: site.name, occurredAt: isoAgo(nowMs, seconds), outcome: abandoned ? 'abandoned' : 'answered', queue, ...agent, ...measured });
}

function visitBuilder(random: Random, site: DemoSite, mood: Mood, id: string): (nowMs: number) => VisitEventInput {
  const left = chance(random, mood.leaveChance);
  const greetSeconds = round1(left ? 20 + exponential(random, 60) : exponential(random, mood.greetMean));
  const agent = left ? {} : { agent: pick(random, site.agents) };
  return (nowMs) => ({ id, type: 'visit', site: site.name, occurredAt: isoAgo(nowMs, greetSeconds), outcome: left ? 'left' : 'greeted', greetSeconds, ...agent });
}

function round1(n: number): number {
  return Math.min(Math.round(n * 10) / 10, 3600);
}

function isoAgo(nowMs: number, seconds: number): string {
  return new Date(nowMs - Math.round(seconds * 1000)).toISOString();
}
