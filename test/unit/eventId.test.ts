// Server-assigned event ids: UUIDs of version 7, ordered by the millisecond given and by call within it, unique.
import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from '../../server/src/services/ingest/eventId';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID carrying the millisecond', () => {
    const ms = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const id = timeOrderedUuid(ms);
    expect(id).toMatch(UUID_V7);
    expect(msOf(id)).toBeGreaterThanOrEqual(ms);
    expect(msOf(id)).toBeLessThan(ms + 5);
  });

  it('sorts in the order made, within a millisecond (past 4,096 ids) and across them, and never repeats', () => {
    const base = Date.UTC(2031, 5, 6);
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(timeOrderedUuid(base));
    for (let i = 0; i < 1_000; i++) ids.push(timeOrderedUuid(base + 10 + Math.floor(i / 100)));
    ids.push(timeOrderedUuid(base)); // a clock that went back: still after everything before
    ids.forEach((id) => expect(id).toMatch(UUID_V7));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
