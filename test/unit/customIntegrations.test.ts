// The JSONata mappings of custom webhooks: checked when the standards file is read, and what one evaluation may
// produce (milestones, events, nothing, or a refusal saying why), within a time and depth budget.
import { describe, expect, it } from 'vitest';
import { checkIntegrations, CustomIntegrations } from '../../server/src/services/customIntegrations';

function withMaps(maps: Record<string, string>): CustomIntegrations {
  const integrations = new CustomIntegrations();
  const checked = checkIntegrations(Object.entries(maps).map(([id, map]) => ({ id, map })));
  expect(checked.problems).toEqual([]);
  integrations.apply(checked.integrations);
  return integrations;
}

describe('checkIntegrations', () => {
  it('names each bad entry: its id, its expression with the position, unknown fields', () => {
    const { integrations, problems } = checkIntegrations([{ id: 'Doors!', map: 'a' }, { id: 'ok', map: '{"a": }' }, { id: 'x', map: 'a', into: 'events' }, { id: 'good', map: 'a.b' }]);
    expect(integrations.map((i) => i.id)).toEqual(['good']);
    expect(problems).toEqual([
      { path: 'integrations.0.id', message: expect.stringMatching(/lower-case letters/) },
      { path: 'integrations.1.map', message: 'is not a valid JSONata expression: The symbol "}" cannot be used as a unary operator at position 7 (near "}")' },
      { path: 'integrations.2.into', message: 'is not a known field' },
    ]);
  });
});

describe('CustomIntegrations.map', () => {
  it('tells milestones from events, a single object from an array, and nothing from something', async () => {
    const m = withMaps({ one: '{"milestone": "arrived", "caseId": id}', many: 'items.{"outcome": "answered", "id": id}', none: 'absent.field' });
    expect(await m.map('one', { id: 'v1' })).toEqual({ kind: 'mapped', into: 'milestones', single: true, items: [{ milestone: 'arrived', caseId: 'v1' }] });
    expect(await m.map('many', { items: [{ id: 'a' }, { id: 'b' }] })).toEqual({ kind: 'mapped', into: 'events', single: false, items: [{ outcome: 'answered', id: 'a' }, { outcome: 'answered', id: 'b' }] });
    expect(await m.map('none', { id: 1 })).toEqual({ kind: 'nothing' });
    expect(await m.map('other', {})).toEqual({ kind: 'unknown' });
  });

  it('refuses output that is not objects, or mixes milestones and events', async () => {
    const m = withMaps({ scalar: 'id', mixed: '[{"milestone": "arrived"}, {"outcome": "answered"}]', holes: '[{"a": 1}, 2]' });
    expect(await m.map('scalar', { id: 'v1' })).toEqual({ kind: 'invalid', message: 'must produce an object or an array of objects; it produced "v1"' });
    expect(await m.map('mixed', {})).toEqual({ kind: 'invalid', message: expect.stringMatching(/1 milestone\(s\) .* and 1 event\(s\)/) });
    expect(await m.map('holes', {})).toEqual({ kind: 'invalid', message: 'must produce an object or an array of objects; item 1 is 2' });
  });

  it('stops a runaway mapping instead of hanging the server', async () => {
    const m = withMaps({ deep: '($f := function($n){ 1 + $f($n + 1) }; $f(0))', long: '($loop := function($n){ $n < 1e12 ? $loop($n + 1) : $n }; $loop(0))' });
    expect(await m.map('deep', {})).toEqual({ kind: 'failed', message: expect.stringMatching(/nests deeper than 500 levels/) });
    expect(await m.map('long', {})).toEqual({ kind: 'failed', message: expect.stringMatching(/took longer than 1000 ms/) });
  });
});
