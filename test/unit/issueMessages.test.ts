// protocol/issues.ts: every kind of zod issue in our words, naming no field (the path does); zod's default English
// never comes out of a parse of request input.
import { describe, expect, it } from 'vitest';
import { eventInputSchema, issueMessage, milestoneInputSchema, parseInput, standardDefinitionSchema, tagMessage } from '../../server/src/protocol';
import { eventTypeDefinitionSchema, eventTypeListSchema, milestoneDefinitionSchema } from '../../server/src/protocol/eventTypes';

type Schema = Parameters<typeof parseInput>[0];
type Issue = Parameters<typeof issueMessage>[0];
const messages = (schema: Schema, input: unknown) => (parseInput(schema, input).error?.issues ?? []).map((i) => [i.path.join('.'), i.message]);

describe('issueMessage', () => {
  it.each([
    ['a missing field', { code: 'invalid_type', expected: 'string', input: undefined, path: [] }, 'is required'],
    ['a missing enum', { code: 'invalid_value', values: ['a', 'b'], input: undefined, path: [] }, 'is required: one of a, b'],
    ['text for a number', { code: 'invalid_type', expected: 'number', input: '3', path: [] }, 'must be a number (got text)'],
    ['a number for text', { code: 'invalid_type', expected: 'string', input: 3, path: [] }, 'must be text (got a number)'],
    ['a list for an object', { code: 'invalid_type', expected: 'object', input: [], path: [] }, 'must be a JSON object (got a list)'],
    ['null for a boolean', { code: 'invalid_type', expected: 'boolean', input: null, path: [] }, 'must be true or false (got null)'],
    ['a fraction for a whole number', { code: 'invalid_type', expected: 'int', input: 2.5, path: [] }, 'must be a whole number'],
    ['an unknown option', { code: 'invalid_value', values: ['answered', 'abandoned'], input: 'x', path: [] }, 'must be one of answered, abandoned (got "x")'],
    ['a near miss of an option', { code: 'invalid_value', values: ['answered', 'abandoned'], input: 'answerd', path: [] }, 'must be one of answered, abandoned (got "answerd") (did you mean "answered"?)'],
    ['an option in other letter case', { code: 'invalid_value', values: ['harbour', 'airport'], input: 'HARBOUR', path: [] }, 'must be one of harbour, airport (got "HARBOUR") (did you mean "harbour"?)'],
    ['an option of another JSON type', { code: 'invalid_value', values: ['answered', 'abandoned'], input: 3, path: [] }, 'must be one of answered, abandoned (got a number)'],
    ['a wrong literal', { code: 'invalid_value', values: ['call'], input: 'x', path: [] }, 'must be call (got "x")'],
    ['empty text', { code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input: '', path: [] }, 'must not be empty'],
    ['short text', { code: 'too_small', origin: 'string', minimum: 3, inclusive: true, input: 'a', path: [] }, 'must be at least 3 characters'],
    ['long text', { code: 'too_big', origin: 'string', maximum: 9, inclusive: true, input: 'x', path: [] }, 'must be at most 9 characters'],
    ['an empty list', { code: 'too_small', origin: 'array', minimum: 1, inclusive: true, input: [], path: [] }, 'must hold at least one item'],
    ['a long list', { code: 'too_big', origin: 'array', maximum: 5, inclusive: true, input: [], path: [] }, 'must hold at most 5 items'],
    ['a small number', { code: 'too_small', origin: 'number', minimum: 0, inclusive: true, input: -1, path: [] }, 'must be ≥ 0'],
    ['a number not above', { code: 'too_small', origin: 'number', minimum: 0, inclusive: false, input: 0, path: [] }, 'must be > 0'],
    ['a big number', { code: 'too_big', origin: 'number', maximum: 1, inclusive: true, input: 2, path: [] }, 'must be at most 1'],
    ['a number not below', { code: 'too_big', origin: 'number', maximum: 1, inclusive: false, input: 1, path: [] }, 'must be < 1'],
    ['not a multiple', { code: 'not_multiple_of', divisor: 5, input: 3, path: [] }, 'must be a multiple of 5'],
    ['a pattern', { code: 'invalid_format', format: 'regex', pattern: 'x', input: 'y', path: [] }, 'is not in the expected form'],
    ['a format', { code: 'invalid_format', format: 'email', input: 'y', path: [] }, 'must be a valid email'],
    ['an unknown key', { code: 'unrecognized_keys', keys: ['a'], input: {}, path: [] }, 'is not a known field'],
    ['a union', { code: 'invalid_union', errors: [], input: 3, path: [] }, 'does not match any of the accepted forms'],
    ['a record key', { code: 'invalid_key', origin: 'record', issues: [], input: 'x', path: [] }, 'has a key that is not accepted'],
    ['a map value', { code: 'invalid_element', origin: 'map', key: 'k', issues: [], input: 1, path: [] }, 'has a value that is not accepted'],
    ['a custom check without a message', { code: 'custom', input: 1, path: [] }, 'is not valid'],
  ])('%s', (_name, issue, message) => {
    expect(issueMessage(issue as Issue)).toBe(message);
  });

  it('names a missing or unknown tag of a tagged union with the tags it accepts', () => {
    expect(tagMessage({}, 'type', ['call', 'visit'])).toBe('is required: one of call, visit');
    expect(tagMessage({ type: 'fax' }, 'type', ['call', 'visit'])).toBe('must be one of call, visit (got "fax")');
    expect(tagMessage({ type: 'cal' }, 'type', ['call', 'visit'])).toBe('must be one of call, visit (got "cal") (did you mean "call"?)');
    expect(tagMessage({ kind: 1 }, 'kind', ['a', 'b', 'c'])).toBe('must be one of a, b, c (got a number)');
  });
});

describe('parseInput', () => {
  it('lets a schema word its own issues and words the rest', () => {
    expect(messages(eventInputSchema, { type: 'visit', site: '', outcome: 'waved', greetSeconds: '4', occurredAt: '2026-11-23T09:00:00Z', mood: 1 })).toEqual([
      ['site', 'must not be empty'],
      ['outcome', 'must be one of greeted, left (got "waved")'],
      ['greetSeconds', 'must be a number (got text)'],
      ['', 'is not a known field'],
    ]);
  });

  it('tells a whole number beyond its bound (2^53 and more included) only its bound, never that it is not whole', () => {
    const call = { type: 'call', site: 's', occurredAt: '2026-11-23T09:00:00Z', outcome: 'answered' };
    for (const rings of [101, 1e16, 2 ** 53, 1e308]) expect(messages(eventInputSchema, { ...call, rings })).toEqual([['rings', 'must be at most 100']]);
    for (const rings of [-1, -1e16, -0.5]) expect(messages(eventInputSchema, { ...call, rings })).toEqual([['rings', 'must be ≥ 0']]);
    expect(messages(eventInputSchema, { ...call, rings: 2.5 })).toEqual([['rings', 'must be a whole number']]);
    const type = { id: 'callback', name: 'Callbacks', milestones: [{ id: 'asked', role: 'start' }, { id: 'done', role: 'stop', outcome: 'served' }], measures: [{ id: 'waitSeconds', from: 'asked', to: 'done' }] };
    expect(messages(eventTypeDefinitionSchema, { ...type, maxOpenSeconds: 1e16 })).toEqual([['maxOpenSeconds', 'must be at most 31622400 (366 days)']]);
    expect(messages(eventTypeDefinitionSchema, { ...type, maxOpenSeconds: 1.5 })).toEqual([['maxOpenSeconds', 'must be a whole number of seconds']]);
  });

  it('checks a call for a wait also when other fields are wrong, unless rings or answerSeconds is itself wrong', () => {
    expect(messages(eventInputSchema, { type: 'call' })).toEqual([
      ['site', 'is required'],
      ['occurredAt', 'is required'],
      ['outcome', 'is required: one of answered, abandoned'],
      ['rings', 'a call needs rings and/or answerSeconds'],
    ]);
    expect(messages(eventInputSchema, { type: 'call', rings: -1 })).toContainEqual(['rings', 'must be ≥ 0']);
    expect(messages(eventInputSchema, { type: 'call', rings: -1 }).filter(([path]) => path === 'rings')).toHaveLength(1);
  });

  it('checks a standard\'s rules between fields also when other fields are wrong, unless a field they read is wrong', () => {
    const tester = { id: 'bad', name: 'x', eventType: 'call', measure: 'greetSeconds', operator: '=<', threshold: -1, target: 1.5, formula: 'F9', bands: { green: 0.5, amber: 0.9 } };
    expect(messages(standardDefinitionSchema, tester)).toEqual([
      ['operator', 'must be one of <=, <, >=, > (got "=<")'],
      ['threshold', 'must be ≥ 0'],
      ['target', 'must be a share above 0 and at most 1 (0.9 for 90 %)'],
      ['formula', 'must be one of F1, F2, F3, F4, F5 (got "F9")'],
      ['measure', 'is not a measure of a call: must be one of rings, answerSeconds (got "greetSeconds")'],
      ['bands.amber', 'must not be above bands.green'],
    ]);
    const withWindows = { ...tester, colour: 1, windows: ['1h', 'today', '1h'] };
    expect(messages(standardDefinitionSchema, withWindows)).toContainEqual(['windows.2', 'repeats "1h", already windows.0: list each window once']);
    // A rule reading a wrong field says nothing: the field's own problem is the one to fix.
    const wrongReads = { ...tester, eventType: 'Call!', bands: { green: 'high', amber: 0.9 }, windows: ['1h', 'yearly', '1h'] };
    expect(messages(standardDefinitionSchema, wrongReads).map(([path]) => path)).toEqual(['eventType', 'operator', 'threshold', 'target', 'formula', 'bands.green', 'windows.1']);
  });

  it('checks an event type\'s rules between fields also when other fields are wrong, unless a field they read is wrong', () => {
    const type = { id: 'callback', name: 'Callback', maxOpenSeconds: 'soon' };
    const milestones = [
      { id: 'requested', role: 'start' },
      { id: 'done', role: 'stop', outcome: 'served' },
    ];
    // The measure names no milestone, and the stop comes first: both are known although maxOpenSeconds is wrong.
    expect(messages(eventTypeDefinitionSchema, { ...type, milestones, measures: [{ id: 'wait', from: 'requested', to: 'called' }] })).toEqual([
      ['maxOpenSeconds', 'must be a number (got text)'],
      ['measures.0.to', 'must name a milestone of this type'],
    ]);
    expect(messages(eventTypeDefinitionSchema, { ...type, milestones: [...milestones].reverse(), measures: [{ id: 'wait', from: 'requested', to: 'done' }] })).toContainEqual([
      'milestones.1.role',
      'must be the first milestone (the case starts there)',
    ]);
    // A stop without its outcome is named though its id is wrong; a wrong role is not checked against its outcome.
    expect(messages(milestoneDefinitionSchema, { id: 7, role: 'stop' })).toEqual([
      ['id', 'must be text (got a number)'],
      ['outcome', 'a stop must say how the case ended: "served" or "gaveUp"'],
    ]);
    expect(messages(milestoneDefinitionSchema, { id: 'x', role: 'finish', outcome: 'served' })).toEqual([['role', 'must be one of start, step, stop (got "finish")']]);
    expect(messages(eventTypeListSchema, [{ ...type, milestones, measures: [] }, { ...type, milestones, measures: [] }]).filter(([, m]) => m!.includes('defined twice'))).toEqual([['1.id', '"callback" is defined twice']]);
  });

  it('refuses an event without a known type as every object: the type, the shared fields and unknown fields named', () => {
    expect(messages(eventInputSchema, { a: 1 })).toEqual([
      ['type', 'is required: one of call, visit'],
      ['site', 'is required'],
      ['occurredAt', 'is required'],
      ['', 'is not a known field'],
    ]);
    const unknownType = messages(eventInputSchema, { type: 'fax', site: 'x', occurredAt: '2026-11-23T09:00:00Z', rings: 1, greetSeconds: 2 });
    expect(unknownType).toEqual([['type', 'must be one of call, visit (got "fax")']]);
  });

  // zod's own English starts with a capital ("Invalid input: …", "Too small: …", "Unrecognized key …"); ours never does.
  it.each([
    ['events', eventInputSchema, [{}, { type: 'call' }, { a: 1 }, { type: 'visit', outcome: 1, greetSeconds: 'x', site: [], occurredAt: {} }, 5, null, [], { type: 'call', rings: 1e9, answerSeconds: -1, handleSeconds: true }]],
    ['milestones', milestoneInputSchema, [{}, { type: 5, site: null, caseId: [], milestone: {}, at: 1, x: 1 }]],
    ['standards', standardDefinitionSchema, [{}, { id: 5, name: [], eventType: 1, measure: null, threshold: 'x', target: 2, colour: 1 }]],
  ])('never answers in zod’s default words (%s)', (_name, schema, inputs) => {
    for (const input of inputs) {
      for (const [path, message] of messages(schema as Schema, input)) expect(message, `${JSON.stringify(input)} → ${path}`).toMatch(/^[a-z"]/);
    }
  });
});
