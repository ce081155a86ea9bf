// When a standard was in force, from its versions: what the live snapshot sends so the dashboard can tell a range
// before a standard (or while it was retired) from a range without events.
import { describe, expect, it } from 'vitest';
import type { StandardVersion } from '../../server/src/protocol';
import { inForcePeriods } from '../../server/src/domain/standardVersions';

const BASE = { id: 'calls', name: 'Calls', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F1', createdAt: '2026-01-01T00:00:00.000Z' } as const;
function version(version: number, validFrom: string | null, validTo: string | null, retired = false): StandardVersion {
  return { ...BASE, version, validFrom, validTo, retired };
}

describe('inForcePeriods', () => {
  it('is one period from the first version on while none is a retirement, however many versions follow', () => {
    expect(inForcePeriods([version(1, '2026-11-23T09:00:00.000Z', null)])).toEqual([{ from: '2026-11-23T09:00:00.000Z', to: null }]);
    expect(inForcePeriods([version(1, null, '2026-11-01T00:00:00.000Z'), version(2, '2026-11-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z'), version(3, '2026-11-20T00:00:00.000Z', null)])).toEqual([{ from: null, to: null }]);
  });

  it('ends a period at a retirement and starts another at the version after it', () => {
    const versions = [version(1, null, '2026-11-01T00:00:00.000Z'), version(2, '2026-11-01T00:00:00.000Z', '2026-11-15T00:00:00.000Z', true), version(3, '2026-11-15T00:00:00.000Z', null)];
    expect(inForcePeriods(versions)).toEqual([
      { from: null, to: '2026-11-01T00:00:00.000Z' },
      { from: '2026-11-15T00:00:00.000Z', to: null },
    ]);
    // Retired now: its last period ends at the retirement.
    expect(inForcePeriods(versions.slice(0, 2))).toEqual([{ from: null, to: '2026-11-01T00:00:00.000Z' }]);
  });
});
