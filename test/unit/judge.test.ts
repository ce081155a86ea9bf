import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeEvent, type JudgeableEvent } from '../../server/src/domain/judge';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';

const call = (outcome: 'answered' | 'abandoned', rings: number, answerSeconds = 0): JudgeableEvent => ({ type: 'call', outcome, rings, answerSeconds, greetSeconds: null });
const visit = (outcome: 'greeted' | 'left', greetSeconds: number): JudgeableEvent => ({ type: 'visit', outcome, rings: null, answerSeconds: null, greetSeconds });

describe('default standards', () => {
  it('are the two documented defaults (docs/standards.md), version 1, 90 % target, formula F3', () => {
    expect(DEFAULT_STANDARDS.map((s) => [s.id, s.version, s.target, s.formula, s.threshold])).toEqual([
      ['call-answer-2-rings', 1, 0.9, 'F3', 2],
      ['visit-greet-30s', 1, 0.9, 'F3', 30],
    ]);
  });
});

describe('judgeEvent', () => {
  it('judges a call only by the call standard', () => {
    const judgements = judgeEvent(call('answered', 2), DEFAULT_STANDARDS);
    expect(judgements).toEqual([{ standardId: 'call-answer-2-rings', standardVersion: 1, measure: 'rings', value: 2, threshold: 2, met: true, counted: true, reason: null }]);
  });
  it('misses on ring 3', () => {
    expect(judgeEvent(call('answered', 3), DEFAULT_STANDARDS)[0]).toMatchObject({ met: false, value: 3, reason: null });
  });
  it('counts an abandoned call as a miss even on ring 1, and says why', () => {
    expect(judgeEvent(call('abandoned', 1), DEFAULT_STANDARDS)[0]).toMatchObject({ met: false, value: 1, reason: 'abandoned' });
  });
  it('judges a visit by the greeting standard: 30 s meets, 30.1 s misses', () => {
    expect(judgeEvent(visit('greeted', 30), DEFAULT_STANDARDS)).toEqual([
      { standardId: 'visit-greet-30s', standardVersion: 1, measure: 'greetSeconds', value: 30, threshold: 30, met: true, counted: true, reason: null },
    ]);
    expect(judgeEvent(visit('greeted', 30.1), DEFAULT_STANDARDS)[0]?.met).toBe(false);
  });
  it('counts a visitor who left as a miss', () => {
    expect(judgeEvent(visit('left', 2), DEFAULT_STANDARDS)[0]).toMatchObject({ met: false, reason: 'left' });
  });
  it('returns nothing when no standard applies', () => {
    expect(judgeEvent(visit('greeted', 1), DEFAULT_STANDARDS.filter((s) => s.eventType === 'call'))).toEqual([]);
  });
  it('property: an answered call meets the standard exactly when rings ≤ 2', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (rings) => {
        expect(judgeEvent(call('answered', rings), DEFAULT_STANDARDS)[0]?.met).toBe(rings <= 2);
        expect(judgeEvent(call('abandoned', rings), DEFAULT_STANDARDS)[0]?.met).toBe(false);
      }),
    );
  });
  it('property: a judgement outside hours is never counted, so never met (the distribution\'s summaries rely on it)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'answered' | 'abandoned'>('answered', 'abandoned'),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom<'F1' | 'F2' | 'F3' | 'F4' | 'F5'>('F1', 'F2', 'F3', 'F4', 'F5'),
        fc.boolean(),
        (outcome, rings, formula, countOutsideHours) => {
          const standard = { ...DEFAULT_STANDARDS[0]!, formula, countOutsideHours };
          const j = judgeEvent(call(outcome, rings, rings * 5), [standard], { inHours: false })[0]!;
          if (j.reason === 'outside-hours') expect([j.counted, j.met]).toEqual([false, false]);
          else expect(countOutsideHours).toBe(true);
        },
      ),
    );
  });
});
