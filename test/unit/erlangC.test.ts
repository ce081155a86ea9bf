import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ringOnWhichAnswered } from '../../server/src/domain/cadence';
import {
  MAX_AGENTS,
  StaffingInputError,
  erlangC,
  offeredLoad,
  staffFor,
  staffingFigures,
  waitThresholdForRings,
  type StaffingFigures,
} from '../../server/src/domain/staffing/erlangC';

// ---------------------------------------------------------------------------------------------
// Independent references: the textbook sum formula
//   C(N, A) = X / (Σ_{k<N} A^k/k! + X),  X = A^N/N! · N/(N − A)
// evaluated two ways that share nothing with the module's Erlang B recursion.
// ---------------------------------------------------------------------------------------------

/** Exact C(N, A) for a rational A = num/den, in BigInt arithmetic, rounded once at the end. */
function exactErlangC(n: number, num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const bn = BigInt(n);
  if (bn * den <= num) return 1;
  // Scale every term by den^N · N!: term_k = num^k · den^(N−k) · N!/k!, and X·(N·den − num) clears the last fraction.
  const fact: bigint[] = [1n];
  for (let k = 1; k <= n; k += 1) fact.push(fact[k - 1]! * BigInt(k));
  let sum = 0n;
  for (let k = 0; k < n; k += 1) sum += num ** BigInt(k) * den ** BigInt(n - k) * (fact[n]! / fact[k]!);
  const x = num ** bn * bn * den;
  return ratioToNumber(x, sum * (bn * den - num) + x);
}

/** a / b for big positive integers, to double precision (about 64 significant bits before rounding). */
function ratioToNumber(a: bigint, b: bigint): number {
  if (a === 0n) return 0;
  const shift = b.toString(2).length - a.toString(2).length + 64;
  const q = shift >= 0 ? (a << BigInt(shift)) / b : a / (b << BigInt(-shift));
  return Number(q) * 2 ** -shift;
}

/**
 * C(N, A) from the same sum in log space, for loads where BigInt would be slow. Terms are taken relative to
 * A^N/N!: ln(t_k / t_N) = Σ_{j=k+1..N} (ln j − ln A), a sum of small numbers, then a max-shifted log-sum-exp.
 */
function logSpaceErlangC(n: number, a: number): number {
  if (a === 0) return 0;
  if (n <= a) return 1;
  const lnA = Math.log(a);
  const rel: number[] = new Array<number>(n);
  let acc = 0;
  for (let k = n - 1; k >= 0; k -= 1) {
    acc += Math.log(k + 1) - lnA;
    rel[k] = acc;
  }
  const lnX = Math.log(n / (n - a));
  const top = Math.max(lnX, ...rel);
  let sum = Math.exp(lnX - top);
  for (const r of rel) sum += Math.exp(r - top);
  return Math.exp(lnX - top) / sum;
}

/** The textbook figures from a reference C. */
function textbook(n: number, a: number, h: number, t: number, c: number) {
  return { serviceLevel: 1 - c * Math.exp((-(n - a) * t) / h), averageSpeedOfAnswer: (c * h) / (n - a), occupancy: a / n };
}

function expectRelClose(actual: number, expected: number, rel = 1e-9, abs = 1e-300): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

// ---------------------------------------------------------------------------------------------

describe('erlangC against published figures', () => {
  // Source: README of the CRAN package ErlangC 0.1.0 (github.com/Damonsoul/ErlangC, computed there with
  // exact big-integer factorials): 100 calls per 30 min, AHT 180 s, threshold 20 s, i.e. A = 10 Erlangs.
  // Columns: agents, wait_probability, service_level, average_speed_of_answer (s), occupancy.
  const published: Array<[number, number, number, number, number]> = [
    [11, 0.6821182, 0.3896138, 122.78127684408, 0.9090909],
    [12, 0.4493882, 0.640158, 40.4449401868444, 0.8333333],
    [13, 0.2852705, 0.7955948, 17.1162271821896, 0.7692308],
    [14, 0.1741319, 0.88835, 7.83593701177724, 0.7142857],
  ];
  const tenErlangs = { arrivalsPerHour: 200, handleSeconds: 180, thresholdSeconds: 20 };

  it.each(published)('A = 10, N = %i: C, service level, ASA and occupancy as published', (n, c, sl, asa, occ) => {
    const f = staffingFigures(n, tenErlangs);
    expect(offeredLoad(200, 180)).toBe(10);
    expect(Math.abs(f.probabilityWait - c)).toBeLessThanOrEqual(5e-8); // published to 7 decimals
    expect(Math.abs(erlangC(n, 10) - c)).toBeLessThanOrEqual(5e-8);
    expect(Math.abs(f.serviceLevel - sl)).toBeLessThanOrEqual(5e-7); // 0.640158 and 0.88835 are printed shorter
    expectRelClose(f.averageSpeedOfAnswer!, asa, 1e-12); // printed to full precision
    expect(Math.abs(f.occupancy - occ)).toBeLessThanOrEqual(5e-8);
  });

  it('A = 10, 80 % within 20 s: 14 agents (the same source), with 13 and 15 beside it', () => {
    const answer = staffFor({ ...tenErlangs, target: 0.8 });
    expect(answer.agents).toBe(14);
    expect(answer.limitedBy).toBe('serviceLevel');
    expect(answer.fewer!.agents).toBe(13);
    expect(answer.fewer!.serviceLevel).toBeLessThan(0.8);
    expect(Math.abs(answer.at.serviceLevel - 0.88835)).toBeLessThanOrEqual(5e-7);
    expect(answer.more.agents).toBe(15);
    expect(answer.more.serviceLevel).toBeGreaterThan(answer.at.serviceLevel);
  });

  // Source: pyworkforce's test suite (github.com/rodrigo-arenas/pyworkforce,
  // pyworkforce/queuing/tests/test_erlang.py): 100 transactions per 30 min, AHT 3 min, asa = 0.33 min
  // (19.8 s), service level 0.8; published to 3 decimals.
  const pyworkforce = { arrivalsPerHour: 200, handleSeconds: 180, thresholdSeconds: 19.8, target: 0.8 };
  it('pyworkforce: max occupancy 0.85 → 14 agents, SL 0.888, occupancy 0.714, P(wait) 0.174', () => {
    const a = staffFor({ ...pyworkforce, maxOccupancy: 0.85 });
    expect(a.agents).toBe(14);
    expect(a.limitedBy).toBe('serviceLevel');
    expect(a.at.serviceLevel.toFixed(3)).toBe('0.888');
    expect(a.at.occupancy.toFixed(3)).toBe('0.714');
    expect(a.at.probabilityWait.toFixed(3)).toBe('0.174');
  });
  it('pyworkforce: max occupancy 0.7 → 15 agents (occupancy decides), SL 0.941, occupancy 0.667, P(wait) 0.102', () => {
    const a = staffFor({ ...pyworkforce, maxOccupancy: 0.7 });
    expect(a.agents).toBe(15);
    expect(a.limitedBy).toBe('occupancy');
    expect(a.at.serviceLevel.toFixed(3)).toBe('0.941');
    expect(a.at.occupancy.toFixed(3)).toBe('0.667');
    expect(a.at.probabilityWait.toFixed(3)).toBe('0.102');
    expect(a.fewer!.occupancy).toBeGreaterThan(0.7);
  });

  // Source: an Erlang C table ("Table C") reproduced in a TETRA trunked-radio course text, worked example of
  // an 8-channel system: 8 channels at 5 % of calls delayed carry 3.87 E; 10 channels at 1 % carry 4.08 E.
  // A table lists, to 2 decimals, the load at which C reaches the delay probability; we invert C by bisection.
  it.each([
    [8, 0.05, 3.87],
    [10, 0.01, 4.08],
  ])('Erlang C table: %i channels at P(wait) = %s carry %s Erlangs', (n, p, tabulated) => {
    let lo = 0;
    let hi = n;
    for (let i = 0; i < 100; i += 1) {
      const mid = (lo + hi) / 2;
      if (erlangC(n, mid) <= p) lo = mid;
      else hi = mid;
    }
    expect(lo.toFixed(2)).toBe(tabulated.toFixed(2));
  });
});

describe('erlangC against exact values', () => {
  // Worked by hand from the sum formula: C(3, 2) = (8/6·3) / (1 + 2 + 2 + 8/6·3) = 4/9,
  // C(4, 2) = (16/24·2) / (1 + 2 + 2 + 8/6 + 16/24·2) = 4/23, C(2, 3/2) = 9/14.
  it.each([
    [3, 2n, 1n, 4 / 9],
    [4, 2n, 1n, 4 / 23],
    [2, 3n, 2n, 9 / 14],
  ])('C(%i, %s/%s) = %s', (n, num, den, value) => {
    expectRelClose(erlangC(n, Number(num) / Number(den)), value, 1e-14);
    expectRelClose(exactErlangC(n, num, den), value, 1e-15);
  });

  it('20 calls per 30 min, AHT 180 s, 80 % within 20 s needs 4 agents: 3 give only about 60 %', () => {
    // A = 2. SL(3) = 1 − 4/9·e^(−1·20/180), SL(4) = 1 − 4/23·e^(−2·20/180).
    const a = staffFor({ arrivalsPerHour: 40, handleSeconds: 180, thresholdSeconds: 20, target: 0.8 });
    expect(a.agents).toBe(4);
    expectRelClose(a.fewer!.serviceLevel, 1 - (4 / 9) * Math.exp(-1 / 9), 1e-14);
    expectRelClose(a.at.serviceLevel, 1 - (4 / 23) * Math.exp(-2 / 9), 1e-14);
    expect(a.fewer!.serviceLevel).toBeLessThan(0.61);
    expectRelClose(a.fewer!.averageSpeedOfAnswer!, ((4 / 9) * 180) / 1, 1e-14); // 80 s
  });

  it('threshold 0 asks for "answered at once": 30 calls/h of 5 min, 90 % without waiting', () => {
    // A = 2.5; P(no wait) = 1 − C. Exact: C(5, 5/2) ≈ 0.130, C(6, 5/2) ≈ 0.047.
    const a = staffFor({ arrivalsPerHour: 30, handleSeconds: 300, thresholdSeconds: 0, target: 0.9 });
    expect(a.agents).toBe(6);
    expectRelClose(a.at.serviceLevel, 1 - exactErlangC(6, 5n, 2n), 1e-13);
    expect(1 - exactErlangC(5, 5n, 2n)).toBeLessThan(0.9);
  });
});

describe('erlangC against the independent implementations (random loads)', () => {
  it('property: equals the exact BigInt sum formula to 1e-9 (relative), with the textbook SL, ASA and occupancy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 11_000 }),
        fc.integer({ min: 0, max: 600 }),
        (n, h, loadPerAgent, t) => {
          // λ chosen so that A runs from 0 to 1.1 N (unstable cases included), λ·h an exact integer.
          const lambda = Math.floor((loadPerAgent / 10_000) * ((n * 3600) / h));
          const a = (lambda * h) / 3600;
          const reference = exactErlangC(n, BigInt(lambda * h), 3600n);
          expectRelClose(erlangC(n, a), reference);
          const f = staffingFigures(n, { arrivalsPerHour: lambda, handleSeconds: h, thresholdSeconds: t });
          if (a === 0 || n <= a) return;
          const expected = textbook(n, a, h, t, reference);
          expectRelClose(f.probabilityWait, reference);
          expect(Math.abs(f.serviceLevel - expected.serviceLevel)).toBeLessThanOrEqual(1e-9);
          expectRelClose(f.averageSpeedOfAnswer!, expected.averageSpeedOfAnswer);
          expectRelClose(f.occupancy, expected.occupancy, 1e-15);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: equals the log-space sum formula to 1e-9 (relative) for loads up to 3,000 Erlangs', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 3000, noNaN: true }), fc.integer({ min: 1, max: 300 }), (a, above) => {
        const n = Math.floor(a) + above;
        const reference = logSpaceErlangC(n, a);
        if (reference < 1e-290) return; // below the doubles worth comparing relatively
        expectRelClose(erlangC(n, a), reference);
      }),
      { numRuns: 200 },
    );
  });

  it('the two references agree with each other (so neither is wrong in the same way)', () => {
    for (const [n, lambda, h] of [
      [11, 200, 180],
      [55, 720, 240],
      [120, 3000, 130],
    ] as const) {
      expectRelClose(logSpaceErlangC(n, (lambda * h) / 3600), exactErlangC(n, BigInt(lambda * h), 3600n), 1e-11);
    }
  });
});

describe('erlangC at large loads', () => {
  it('A = 1,000 (7,200 calls/h of 500 s), N = 1,001…1,100: finite, in (0, 1], strictly falling', () => {
    const a = offeredLoad(7200, 500);
    expect(a).toBe(1000);
    let previous = Number.POSITIVE_INFINITY;
    for (let n = 1001; n <= 1100; n += 1) {
      const c = erlangC(n, a);
      expect(Number.isFinite(c)).toBe(true);
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThanOrEqual(1);
      expect(c).toBeLessThan(previous);
      previous = c;
      const f = staffingFigures(n, { arrivalsPerHour: 7200, handleSeconds: 500, thresholdSeconds: 20 });
      for (const v of [f.serviceLevel, f.probabilityWait, f.averageSpeedOfAnswer!, f.occupancy]) expect(Number.isFinite(v)).toBe(true);
    }
    for (const n of [1001, 1020, 1050, 1100]) expectRelClose(erlangC(n, a), logSpaceErlangC(n, a));
  });

  it('A = 1,000 at 90 % within 20 s needs 1,027 people (97 % busy), by the log-space reference too', () => {
    const a = staffFor({ arrivalsPerHour: 7200, handleSeconds: 500, thresholdSeconds: 20, target: 0.9 });
    expect(a.agents).toBe(1027);
    expect(a.at.occupancy.toFixed(2)).toBe('0.97');
    const referenceSL = (n: number) => textbook(n, 1000, 500, 20, logSpaceErlangC(n, 1000)).serviceLevel;
    expect(referenceSL(1027)).toBeGreaterThanOrEqual(0.9);
    expect(referenceSL(1026)).toBeLessThan(0.9);
  });

  it('answers loads of 1,000 and 5,000 Erlangs with the least staff reaching the target', () => {
    for (const arrivalsPerHour of [7200, 36_000]) {
      const answer = staffFor({ arrivalsPerHour, handleSeconds: 500, thresholdSeconds: 20, target: 0.95 });
      expect(answer.at.serviceLevel).toBeGreaterThanOrEqual(0.95);
      expect(answer.fewer!.serviceLevel).toBeLessThan(0.95);
    }
  });

  it('never overflows or turns into NaN, even thousands of agents above the load', () => {
    const c = erlangC(5000, 1000);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(c)).toBe(false);
    expect(erlangC(3000, 2999.5)).toBeGreaterThan(0.9);
  });
});

describe('unstable queues and empty hours', () => {
  const unstable: StaffingFigures = { agents: 10, stable: false, serviceLevel: 0, probabilityWait: 1, averageSpeedOfAnswer: null, occupancy: 1 };

  it('N ≤ A is unstable: everyone waits, service level 0, no finite ASA, everyone busy', () => {
    expect(erlangC(10, 10)).toBe(1);
    expect(erlangC(10, 12.5)).toBe(1);
    expect(staffingFigures(10, { arrivalsPerHour: 200, handleSeconds: 180, thresholdSeconds: 20 })).toEqual(unstable);
    expect(staffingFigures(0, { arrivalsPerHour: 1, handleSeconds: 1, thresholdSeconds: 20 }).stable).toBe(false);
  });

  it('the search starts at the least whole number above A: A = 10.5 can be served by 11', () => {
    // 11 > 10.5 is stable; starting at ceil(A) + 1 = 12 would skip it.
    const a = staffFor({ arrivalsPerHour: 210, handleSeconds: 180, thresholdSeconds: 600, target: 0.5 });
    expect(a.offeredLoad).toBe(10.5);
    expect(a.minimumStableAgents).toBe(11);
    expect(a.agents).toBe(11);
    expect(a.unstableWithFewer).toBe(true);
    expect(a.fewer).toEqual({ ...unstable, agents: 10 });
  });

  it('says when one fewer would be unstable, and when not', () => {
    expect(staffFor({ arrivalsPerHour: 200, handleSeconds: 180, thresholdSeconds: 20, target: 0.3 })).toMatchObject({ agents: 11, unstableWithFewer: true });
    expect(staffFor({ arrivalsPerHour: 200, handleSeconds: 180, thresholdSeconds: 20, target: 0.8 })).toMatchObject({ agents: 14, unstableWithFewer: false });
  });

  it('one agent for a trickle: no N − 1 to show, and zero agents would not do', () => {
    const a = staffFor({ arrivalsPerHour: 1, handleSeconds: 60, thresholdSeconds: 20, target: 0.8 });
    expect(a.agents).toBe(1);
    expect(a.fewer).toBeNull();
    expect(a.unstableWithFewer).toBe(true);
    expectRelClose(a.at.probabilityWait, 1 / 60, 1e-14); // C(1, A) = A
  });

  it('no arrivals need nobody: 0 agents, and one agent would idle', () => {
    const a = staffFor({ arrivalsPerHour: 0, handleSeconds: 180, thresholdSeconds: 20, target: 0.9 });
    expect(a).toMatchObject({ offeredLoad: 0, agents: 0, minimumStableAgents: 0, unstableWithFewer: false, limitedBy: 'noArrivals', fewer: null });
    expect(a.at).toEqual({ agents: 0, stable: true, serviceLevel: 1, probabilityWait: 0, averageSpeedOfAnswer: 0, occupancy: 0 });
    expect(a.more).toEqual({ agents: 1, stable: true, serviceLevel: 1, probabilityWait: 0, averageSpeedOfAnswer: 0, occupancy: 0 });
    expect(erlangC(0, 0)).toBe(0);
  });
});

describe('properties', () => {
  const lambda = fc.double({ min: 0.5, max: 5000, noNaN: true });
  const handle = fc.double({ min: 1, max: 3600, noNaN: true });
  const threshold = fc.double({ min: 0, max: 600, noNaN: true });
  const target = fc.double({ min: 0.01, max: 0.999, noNaN: true });
  const question = fc.record({ arrivalsPerHour: lambda, handleSeconds: handle, thresholdSeconds: threshold });

  it('service level grows with N', () => {
    fc.assert(
      fc.property(question, fc.integer({ min: 0, max: 200 }), (q, extra) => {
        const n = Math.floor(offeredLoad(q.arrivalsPerHour, q.handleSeconds)) + extra;
        expect(staffingFigures(n + 1, q).serviceLevel).toBeGreaterThanOrEqual(staffingFigures(n, q).serviceLevel);
      }),
    );
  });

  it('service level falls as arrivals grow, and as handling time grows', () => {
    fc.assert(
      fc.property(question, fc.double({ min: 1, max: 3, noNaN: true }), fc.integer({ min: 1, max: 3000 }), (q, factor, n) => {
        const base = staffingFigures(n, q).serviceLevel;
        expect(staffingFigures(n, { ...q, arrivalsPerHour: q.arrivalsPerHour * factor }).serviceLevel).toBeLessThanOrEqual(base + 1e-12);
        expect(staffingFigures(n, { ...q, handleSeconds: q.handleSeconds * factor }).serviceLevel).toBeLessThanOrEqual(base + 1e-12);
      }),
    );
  });

  it('the agents needed never fall as the target rises', () => {
    fc.assert(
      fc.property(question, target, target, (q, p1, p2) => {
        const [low, high] = p1 <= p2 ? [p1, p2] : [p2, p1];
        expect(staffFor({ ...q, target: low }).agents).toBeLessThanOrEqual(staffFor({ ...q, target: high }).agents);
      }),
    );
  });

  it('the answer is the least N: it meets the target (and cap), N − 1 does not', () => {
    fc.assert(
      fc.property(question, target, fc.option(fc.double({ min: 0.3, max: 1, noNaN: true }), { nil: undefined }), (q, p, o) => {
        const a = staffFor({ ...q, target: p, maxOccupancy: o });
        expect(a.at).toEqual(staffingFigures(a.agents, q));
        expect(a.at.stable).toBe(true);
        expect(a.at.serviceLevel).toBeGreaterThanOrEqual(p);
        if (o !== undefined) expect(a.at.occupancy).toBeLessThanOrEqual(o);
        const fewer = staffingFigures(a.agents - 1, q);
        const capBroken = o !== undefined && fewer.occupancy > o;
        expect(fewer.serviceLevel < p || capBroken).toBe(true);
        expect(a.limitedBy).toBe(fewer.serviceLevel >= p ? 'occupancy' : 'serviceLevel');
        expect(a.more).toEqual(staffingFigures(a.agents + 1, q));
      }),
    );
  });
});

describe('ring-based thresholds', () => {
  it('"within 2 rings" on a 6 s cycle is a wait under 12 s; 3 s and 5 s cycles give 6 s and 10 s', () => {
    expect(waitThresholdForRings(2, 6)).toBe(12);
    expect(waitThresholdForRings(2, 3)).toBe(6);
    expect(waitThresholdForRings(2, 5)).toBe(10);
    expect(ringOnWhichAnswered(11.999, 6)).toBe(2);
    expect(ringOnWhichAnswered(12, 6)).toBe(3); // exactly 12 s is already the third ring
  });

  it('a fractional ring count counts its whole rings; fewer than one ring is refused', () => {
    expect(waitThresholdForRings(2.5, 6)).toBe(12);
    expect(() => waitThresholdForRings(0, 6)).toThrow(StaffingInputError);
    expect(() => waitThresholdForRings(0.5, 6)).toThrow(/maxRings/);
    expect(() => waitThresholdForRings(2, 0)).toThrow(/cycleSeconds/);
  });

  it('property: rings ≤ R exactly when the wait is under the threshold (millisecond waits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600_000 }), fc.constantFrom(3, 5, 6), fc.integer({ min: 1, max: 20 }), (ms, cycle, rings) => {
        const s = ms / 1000;
        expect(ringOnWhichAnswered(s, cycle) <= rings).toBe(s < waitThresholdForRings(rings, cycle));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bad input names the field', () => {
  const ok = { arrivalsPerHour: 100, handleSeconds: 180, thresholdSeconds: 20, target: 0.8 };
  it.each([
    ['arrivalsPerHour', { ...ok, arrivalsPerHour: -1 }],
    ['arrivalsPerHour', { ...ok, arrivalsPerHour: Number.NaN }],
    ['handleSeconds', { ...ok, handleSeconds: 0 }],
    ['handleSeconds', { ...ok, handleSeconds: Number.POSITIVE_INFINITY }],
    ['thresholdSeconds', { ...ok, thresholdSeconds: -0.5 }],
    ['target', { ...ok, target: 0 }],
    ['target', { ...ok, target: 1 }],
    ['maxOccupancy', { ...ok, maxOccupancy: 0 }],
    ['maxOccupancy', { ...ok, maxOccupancy: 1.01 }],
  ])('%s', (field, q) => {
    let caught: unknown;
    try {
      staffFor(q);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StaffingInputError);
    expect((caught as StaffingInputError).field).toBe(field);
    expect((caught as Error).message.startsWith(field)).toBe(true);
  });

  it('agents must be a whole number in range; loads needing more than MAX_AGENTS are refused', () => {
    expect(() => erlangC(2.5, 1)).toThrow(/agents/);
    expect(() => erlangC(-1, 1)).toThrow(/agents/);
    expect(() => erlangC(3, -1)).toThrow(/offeredLoad/);
    expect(() => staffFor({ ...ok, arrivalsPerHour: MAX_AGENTS * 3600, handleSeconds: 2 })).toThrow(StaffingInputError);
    expect(() => staffFor({ ...ok, maxOccupancy: 1e-9 })).toThrow(/maxOccupancy/);
    expect(() => staffFor({ ...ok, maxOccupancy: 1e-299 })).toThrow(/maxOccupancy/); // A / o beyond integer steps
  });
});
