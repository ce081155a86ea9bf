import { describe, expect, it } from 'vitest';
import { openEnvelope } from '../../server/src/http/envelope';
import { validateEvents } from '../../server/src/services/ingest/validate';
import { validateMilestones } from '../../server/src/services/ingest/milestones';
import { BUILT_IN_REGISTRY } from '../../server/src/domain/eventTypes';
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
  it('names an occurredAt in the future beside the other problems of its event', () => {
    const now = Date.parse('2026-11-23T09:00:00Z');
    const future = '2099-01-01T00:00:00Z';
    const paths = (item: Record<string, unknown>) => {
      const result = validateEvents([{ type: 'call', site: 'a', occurredAt: future, outcome: 'answered', rings: 1, ...item }], now);
      return result.ok ? [] : result.problems.map((p) => p.path.join('.'));
    };
    expect(paths({})).toEqual(['occurredAt']);
    expect(paths({ rings: '1' })).toEqual(['rings', 'occurredAt']);
    expect(paths({ outcome: 'answerd' })).toEqual(['outcome', 'occurredAt']);
    expect(paths({ type: 'cal', colour: 1 })).toEqual(['type', 'colour', 'occurredAt']);
    // A time refused for its form is told that alone.
    const badForm = validateEvents([{ type: 'call', site: 'a', occurredAt: '2099-01-01', outcome: 'answered', rings: '1' }], now);
    expect(badForm.ok ? [] : badForm.problems.map((p) => `${p.path.join('.')} ${p.message}`)).toEqual([expect.stringMatching(/^occurredAt must be an RFC 3339 timestamp/), 'rings must be a number (got text)']);
  });
  it('requires rings or answerSeconds on a call', () => {
    const result = validateEvents([{ type: 'call', site: 'a', occurredAt: '2026-11-23T09:00:00Z', outcome: 'answered' }]);
    expect(result).toMatchObject({ ok: false, problems: [{ index: 0, path: ['rings'], message: 'a call needs rings and/or answerSeconds' }] });
  });
});

describe('milestone validation', () => {
  const now = Date.parse('2026-11-23T09:00:00Z');
  const errors = (item: Record<string, unknown>) => {
    const result = validateMilestones([{ type: 'call', site: 'a', caseId: 'c1', milestone: 'started', at: '2026-11-23T08:59:00Z', ...item }], BUILT_IN_REGISTRY, now);
    return result.ok ? [] : result.problems.map((p) => [p.path.join('.'), p.message]);
  };
  it('names the type and the milestone beside every other problem, in the order of the fields', () => {
    expect(errors({ type: 'cal', at: 'nope' }).map(([path]) => path)).toEqual(['type', 'at']);
    expect(errors({ milestone: 'strated', at: 'nope' }).map(([path]) => path)).toEqual(['milestone', 'at']);
    expect(errors({ type: 'cal', site: 'a,b' }).map(([path]) => path)).toEqual(['type', 'site']);
    expect(errors({ type: 'cal', colour: 'red' }).map(([path]) => path)).toEqual(['type', 'colour']);
    expect(errors({ milestone: 'strated', handleSeconds: -1 })).toEqual([
      ['milestone', expect.stringMatching(/^is not a milestone of a call: .*\(did you mean "started"\?\)$/)],
      ['handleSeconds', 'must be ≥ 0'],
    ]);
    expect(errors({ type: 'cal', at: 'nope' })[0]![1]).toBe('must be one of call, visit, complaint (got "cal") (did you mean "call"?)');
  });
  it('names an `at` in the future beside the other problems of its milestone', () => {
    expect(errors({ at: '2099-01-01T00:00:00Z' }).map(([path]) => path)).toEqual(['at']);
    expect(errors({ at: '2099-01-01T00:00:00Z', handleSeconds: 5, colour: 1 }).map(([path]) => path)).toEqual(['at', 'handleSeconds', 'colour']);
    expect(errors({ at: '2099-01-01T00:00:00Z', milestone: 'strated', site: '' }).map(([path]) => path)).toEqual(['site', 'milestone', 'at']);
  });
});

describe('canonical JSON', () => {
  it('ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] }, u: undefined })).toBe(canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }));
  });
});
