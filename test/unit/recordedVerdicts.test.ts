// Which verdict counts when a case ends with a verdict recorded while it was open (domain/clocks/recordedVerdicts.ts).
import { describe, expect, it } from 'vitest';
import { ownVerdictPrevails } from '../../server/src/domain/clocks/recordedVerdicts';

const deadlineMiss = { met: false, counted: true, reason: 'deadline' };

describe('a verdict recorded while the case was open', () => {
  it('gives way to the case’s own when its own times do not bear out a deadline miss: met, or not counted at all', () => {
    expect(ownVerdictPrevails(deadlineMiss, { met: true, counted: true, reason: null })).toBe(true);
    expect(ownVerdictPrevails(deadlineMiss, { met: false, counted: false, reason: 'short-abandon' })).toBe(true);
  });

  it('stays when the case’s own verdict is a counted miss too, and whenever it was not a deadline miss', () => {
    expect(ownVerdictPrevails(deadlineMiss, { met: false, counted: true, reason: null })).toBe(false);
    expect(ownVerdictPrevails(deadlineMiss, { met: false, reason: 'abandoned' })).toBe(false);
    expect(ownVerdictPrevails({ met: false, counted: true, reason: 'expired' }, { met: true, counted: true, reason: null })).toBe(false);
    expect(ownVerdictPrevails({ met: true, counted: true, reason: null }, { met: false, counted: true, reason: null })).toBe(false);
  });
});
