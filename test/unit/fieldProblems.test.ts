// Whether a field's problem names its field: the one rule behind the API's `detail` and the dashboard's words.
import { describe, expect, it } from 'vitest';
import { messageNamesField } from '../../server/src/protocol/pure/fieldProblems';

describe('messageNamesField', () => {
  it('reads a message that says its field by name as naming it', () => {
    expect(messageNamesField('site', 'unknown site "nosuch": …')).toBe(true);
    expect(messageNamesField('id', 'no incident with id 7')).toBe(true);
  });

  it('never takes a number in the message for a place in a list: that is what was sent', () => {
    expect(messageNamesField('ids.0', 'must be a positive whole number (got 0)')).toBe(false);
    expect(messageNamesField('events.3', 'has 3 problems')).toBe(false);
    expect(messageNamesField('line 5', 'has 5 fields, not 10')).toBe(false);
  });

  it('does not count a quoted value or a name in another case', () => {
    expect(messageNamesField('window', 'must be one of today, 7d (got "window")')).toBe(false);
    expect(messageNamesField('site', 'Site ids are case-sensitive')).toBe(false);
  });
});
