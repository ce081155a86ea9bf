// Seeded randomness for the simulator: the same seed gives the same traffic (tests rely on it).

export type Random = () => number;

/** mulberry32: tiny, fast, good enough for simulated traffic (not for anything secret). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Exponentially distributed value with the given mean: the gap between Poisson arrivals. */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('cannot pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}

export function chance(random: Random, probability: number): boolean {
  return random() < probability;
}
