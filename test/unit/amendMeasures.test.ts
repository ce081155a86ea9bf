import { describe, expect, it } from 'vitest';
import { planCorrection, type CorrectableEvent, type EventState } from '../../server/src/domain/corrections';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';

// The default call standard ("answered within two rings"), the one version in force.
const RINGS = DEFAULT_STANDARDS.find((s) => s.eventType === 'call')!;
const versions = () => [{ ...RINGS, version: 1, validFrom: null, validTo: null, createdAt: '' }];

function recordedCall(fields: { rings: number; answerSeconds: number; derived: string[] }): { event: CorrectableEvent; before: EventState } {
  const event: CorrectableEvent = { seq: 1, id: 'c-1', type: 'call', site: 'hq', queue: null, fields: { outcome: 'answered', greetSeconds: null, ...fields } };
  const met = fields.rings <= 2 ? 1 : 0;
  const judgement = { standardVersion: 1, measure: 'rings', value: fields.rings, threshold: 2, met, counted: 1, reason: null } as const;
  return { event, before: { voided: false, fields: event.fields, judgements: { [RINGS.id]: judgement } } };
}

const amend = (event: CorrectableEvent, before: EventState, changes: Record<string, number>) =>
  planCorrection(event, before, { action: 'amend', reason: 'checked the recording', changes }, { versions, ringCycleSeconds: 6 }).after;

describe('an amendment keeps the measured values it does not name', () => {
  it('keeps a posted ring count when only the wait is amended, and judges by it', () => {
    const { event, before } = recordedCall({ rings: 1, answerSeconds: 3, derived: [] });
    const after = amend(event, before, { answerSeconds: 30 });
    expect(after.fields).toMatchObject({ rings: 1, answerSeconds: 30, derived: [] });
    expect(after.judgements[RINGS.id]).toMatchObject({ value: 1, met: 1 });
  });

  it('keeps a posted wait when only the ring count is amended', () => {
    const { event, before } = recordedCall({ rings: 1, answerSeconds: 3, derived: [] });
    expect(amend(event, before, { rings: 4 }).fields).toMatchObject({ rings: 4, answerSeconds: 3, derived: [] });
  });

  it('derives again what was derived: a ring count from an amended wait', () => {
    const { event, before } = recordedCall({ rings: 1, answerSeconds: 3, derived: ['rings'] });
    const after = amend(event, before, { answerSeconds: 30 });
    expect(after.fields).toMatchObject({ rings: 6, answerSeconds: 30, derived: ['rings'] });
    expect(after.judgements[RINGS.id]).toMatchObject({ value: 6, met: 0 });
  });

  it('derives again a wait from an amended ring count', () => {
    const { event, before } = recordedCall({ rings: 1, answerSeconds: 0, derived: ['answerSeconds'] });
    expect(amend(event, before, { rings: 3 }).fields).toMatchObject({ rings: 3, answerSeconds: 12, derived: ['answerSeconds'] });
  });
});
