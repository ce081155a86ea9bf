// Milestones repeated within one request: the same content twice is one milestone posted twice; the same pairing key
// with other content is refused, naming both items (services/ingest/milestones.ts pairingConflicts).
import { describe, expect, it } from 'vitest';
import type { MilestoneInput } from '../../server/src/protocol/eventTypes';
import { pairingConflicts } from '../../server/src/services/ingest/milestones';

const m = (caseId: string, milestone: string, extra: Partial<MilestoneInput> = {}): MilestoneInput =>
  ({ type: 'call', site: 'north', caseId, milestone, at: '2026-06-01T10:00:00Z', ...extra });

describe('pairingConflicts', () => {
  it('finds none among distinct keys, nor for the same content repeated (keys in another order too)', () => {
    expect(pairingConflicts([m('a', 'started'), m('a', 'answered'), m('b', 'started')])).toEqual([]);
    expect(pairingConflicts([m('a', 'started', { agent: 'x', queue: 'q' }), { ...m('a', 'started'), queue: 'q', agent: 'x' }])).toEqual([]);
  });

  it('refuses a repeated key with other content, naming the first item with it', () => {
    expect(pairingConflicts([m('a', 'started'), m('b', 'started'), m('a', 'started', { agent: 'x' }), m('a', 'started')])).toEqual([
      { index: 2, path: ['milestone'], message: 'milestones.0 and milestones.2 are the same milestone of one case with different content: agent differs (milestones.0 none, milestones.2 "x")' },
    ]);
  });
});
