import { describe, expect, it } from 'vitest';
import { openEnvelope } from '../../server/src/http/envelope';
import { validateEvents } from '../../server/src/services/ingest/validate';
import { canonicalJson } from '../../server/src/domain/canonical';

describe('request envelope', () => {
  it('takes one event object or {events: [...]}', () => {
    expect(openEnvelope({ type: 'call' })).toEqual({ ok: true, mode: 'single', items: [{ type: 'call' }] });
    expect(openEnvelope({ events: [1, 2] })).toEqual({ ok: true, mode: 'batch', items: [1, 2] });
  });
  it.each([
    [[], '(body)'],
    ['text', '(body)'],
    [null, '(body)'],
    [{ events: [] }, 'events'],
    [{ events: {} }, 'events'],
    [{ events: [1], extra: true }, 'extra'],
  ])('rejects %j naming %s', (body, path) => {
    expect(openEnvelope(body)).toMatchObject({ ok: false, status: 400, path });
  });
  it('rejects a batch over the limit with 413', () => {
    expect(openEnvelope({ events: new Array(5001).fill({}) })).toMatchObject({ ok: false, status: 413, path: 'events' });
  });
});

describe('event validation', () => {
  it('names every bad field of every event, once each', () => {
    const result = validateEvents([
      { type: 'call', site: 'a', occurredAt: '2026-11-23T09:00:00Z', outcome: 'answered', rings: 1 },
      { type: 'call', site: '', occurredAt: 'yesterday', outcome: 'maybe', rings: -1, colour: 'red' },
      { type: 'teleport' },
      { type: 'visit', site: 'a', occurredAt: '2026-11-23T09:00:00+01:00', outcome: 'greeted' },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => `${p.index}.${p.path.join('.')}`)).toEqual(['1.site', '1.occurredAt', '1.outcome', '1.rings', '1.colour', '2.type', '2.site', '2.occurredAt', '3.greetSeconds']);
    expect(result.problems.find((p) => p.path[0] === 'greetSeconds')?.message).toBe('is required');
    expect(result.problems.find((p) => p.path[0] === 'colour')?.message).toBe('is not a known field');
    // An unknown type still has the fields every type shares checked.
    expect(result.problems.filter((p) => p.index === 2).map((p) => p.message)).toEqual(['must be one of call, visit (got "teleport")', 'is required', 'is required']);
  });
  it('requires rings or answerSeconds on a call', () => {
    const result = validateEvents([{ type: 'call', site: 'a', occurredAt: '2026-11-23T09:00:00Z', outcome: 'answered' }]);
    expect(result).toMatchObject({ ok: false, problems: [{ index: 0, path: ['rings'], message: 'a call needs rings and/or answerSeconds' }] });
  });
});

describe('canonical JSON', () => {
  it('ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] }, u: undefined })).toBe(canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }));
  });
});
