import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RING_CYCLE_SECONDS, ringOnWhichAnswered, secondsAtStartOfRing } from '../../server/src/domain/cadence';
import { completeMeasurements } from '../../server/src/domain/measures';

const US = DEFAULT_RING_CYCLE_SECONDS;

describe('ringOnWhichAnswered (US 6 s cycle)', () => {
  it('uses a 6 s cycle by default', () => expect(US).toBe(6));
  it.each([
    [0, 1],
    [5.99, 1],
    [6, 2], // exactly on the boundary: the second ring has begun
    [11.99, 2],
    [12, 3],
    [0.001, 1],
  ])('%s s → ring %s', (seconds, ring) => {
    expect(ringOnWhichAnswered(seconds, US)).toBe(ring);
  });
  it('follows the cycle of other countries (UK 3 s, EU 5 s)', () => {
    expect(ringOnWhichAnswered(6, 3)).toBe(3);
    expect(ringOnWhichAnswered(9.99, 5)).toBe(2);
  });
  it('rejects negative seconds and non-positive cycles', () => {
    expect(() => ringOnWhichAnswered(-1, US)).toThrow(RangeError);
    expect(() => ringOnWhichAnswered(1, 0)).toThrow(RangeError);
  });
  it('is monotonic and never skips a ring', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 86_400, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true }), (s, extra) => {
        const a = ringOnWhichAnswered(s, US);
        const b = ringOnWhichAnswered(s + extra, US);
        expect(b).toBeGreaterThanOrEqual(a);
        expect(a).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('secondsAtStartOfRing (deriving seconds from rings)', () => {
  it('maps ring r to the start of its cycle, and ring 0 to 0 s', () => {
    expect(secondsAtStartOfRing(0, US)).toBe(0);
    expect(secondsAtStartOfRing(1, US)).toBe(0);
    expect(secondsAtStartOfRing(2, US)).toBe(6);
    expect(secondsAtStartOfRing(3, US)).toBe(12);
  });
  it('round-trips: the derived seconds fall on the same ring', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.constantFrom(3, 5, 6), (rings, cycle) => {
        expect(ringOnWhichAnswered(secondsAtStartOfRing(rings, cycle), cycle)).toBe(rings);
      }),
    );
  });
  it('rejects fractional or negative rings', () => {
    expect(() => secondsAtStartOfRing(1.5, US)).toThrow(RangeError);
    expect(() => secondsAtStartOfRing(-1, US)).toThrow(RangeError);
  });
});

describe('completeMeasurements', () => {
  const call = { type: 'call', site: 's', occurredAt: '2026-11-23T09:00:00Z' } as const;
  it('derives rings from seconds and says so', () => {
    expect(completeMeasurements({ ...call, outcome: 'answered', answerSeconds: 6 }, US)).toEqual({ rings: 2, answerSeconds: 6, greetSeconds: null, derived: ['rings'] });
  });
  it('derives seconds from rings (start of that ring) and says so', () => {
    expect(completeMeasurements({ ...call, outcome: 'answered', rings: 3 }, US)).toEqual({ rings: 3, answerSeconds: 12, greetSeconds: null, derived: ['answerSeconds'] });
    expect(completeMeasurements({ ...call, outcome: 'answered', rings: 0 }, US)).toMatchObject({ answerSeconds: 0, derived: ['answerSeconds'] });
  });
  it('keeps both when both were measured, even if they disagree with the cadence', () => {
    expect(completeMeasurements({ ...call, outcome: 'answered', rings: 1, answerSeconds: 9 }, US)).toEqual({ rings: 1, answerSeconds: 9, greetSeconds: null, derived: [] });
  });
  it('derives rings for an abandoned call from the seconds until hang-up', () => {
    expect(completeMeasurements({ ...call, outcome: 'abandoned', answerSeconds: 0 }, US)).toMatchObject({ rings: 1, derived: ['rings'] });
  });
  it('uses the site cycle it is given', () => {
    expect(completeMeasurements({ ...call, outcome: 'answered', answerSeconds: 6 }, 3).rings).toBe(3);
  });
  it('passes visits through without deriving anything', () => {
    expect(completeMeasurements({ type: 'visit', site: 's', occurredAt: '2026-11-23T09:00:00Z', outcome: 'greeted', greetSeconds: 12 }, US)).toEqual({ rings: null, answerSeconds: null, greetSeconds: 12, derived: [] });
  });
});
