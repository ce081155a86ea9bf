// Simulated service traffic: Poisson arrivals across sites, mostly compliant, with bursts of misses
// (a site gets busy: slow answers, abandons, visitors who leave). Pure given the seed and clock.
import type { CallEventInput, EventInput, VisitEventInput } from '../protocol';
import { ringOnWhichAnswered, DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import { chance, exponential, pick, seededRandom, type Random } from './random';

export interface DemoSite {
  name: string;
  /** Share of this site's events that are calls (the rest are visits). */
  callShare: number;
  agents: readonly string[];
  queues: readonly string[];
}

export const DEMO_SITES: readonly DemoSite[] = [
  { name: 'downtown', callShare: 0.6, agents: ['ana', 'ben', 'chloe', 'dev'], queues: ['sales', 'support'] },
  { name: 'airport', callShare: 0.4, agents: ['eli', 'fatima', 'gus'], queues: ['bookings', 'lost-baggage'] },
  { name: 'harbour', callShare: 0.5, agents: ['hana', 'ivan'], queues: ['ferries'] },
];

export interface SimulatorOptions {
  seed: number;
  /** Mean arrivals per second over all sites. */
  eventsPerSecond?: number;
  sites?: readonly DemoSite[];
  /** Chance, per event, that its site starts a burst of misses. */
  burstChance?: number;
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

const CALM: Mood = { slowAnswerMean: 4, abandonChance: 0.02, greetMean: 9, leaveChance: 0.02 };
const BUSY: Mood = { slowAnswerMean: 16, abandonChance: 0.2, greetMean: 45, leaveChance: 0.15 };

export function createSimulator(options: SimulatorOptions): { next(): Arrival } {
  const random = seededRandom(options.seed);
  const sites = options.sites ?? DEMO_SITES;
  const meanGapMs = 1000 / (options.eventsPerSecond ?? 2);
  const burstChance = options.burstChance ?? 0.01;
  const burstLeft = new Map<string, number>();
  let counter = 0;

  function moodOf(site: string): Mood {
    const left = burstLeft.get(site) ?? 0;
    if (left > 0) {
      burstLeft.set(site, left - 1);
      return BUSY;
    }
    if (chance(random, burstChance)) burstLeft.set(site, 15 + Math.floor(random() * 25));
    return CALM;
  }

  return {
    next() {
      const delayMs = exponential(random, meanGapMs);
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
