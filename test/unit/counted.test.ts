// The one rule for a judgement's `counted` (protocol/pure/counted.ts), and readers that go through it: a judgement
// from an older sender, without the field, is in the denominator; only `counted: false` leaves it out.
import { describe, expect, it } from 'vitest';
import { countedFlag, isCounted } from '../../server/src/protocol/pure';
import { asEffective } from '../../server/src/domain/corrections';
import { eventVerdict } from '../../webview/src/format';
import type { Judgement } from '../../server/src/protocol';

const judgement = (over: Partial<Judgement>): Judgement => ({ standardId: 'answer-2-rings', standardVersion: 1, measure: 'rings', value: 4, threshold: 2, met: false, reason: null, ...over });

describe('whether a judgement counts', () => {
  it('counts unless it says counted: false', () => {
    expect([isCounted({}), isCounted({ counted: true }), isCounted({ counted: false })]).toEqual([true, true, false]);
    expect([countedFlag({}), countedFlag({ counted: true }), countedFlag({ counted: false })]).toEqual([1, 1, 0]);
  });

  it('makes a miss without the field a counted miss in the dashboard’s verdict and in a correction’s state', () => {
    expect(eventVerdict([judgement({})])).toBe('missed');
    expect(eventVerdict([judgement({ counted: false, reason: 'outside-hours' })])).toBe('not-counted');
    expect(asEffective(judgement({})).counted).toBe(1);
    expect(asEffective(judgement({ counted: false })).counted).toBe(0);
  });
});
