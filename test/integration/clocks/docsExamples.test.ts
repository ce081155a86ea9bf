// The event-type and complaint examples of docs/standards.md are valid standards files as printed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStandardsConfig } from '../../../server/src/services/standardsFile';
import { COMPLAINT_STANDARDS } from './support';

const DOC = readFileSync(new URL('../../../docs/standards.md', import.meta.url), 'utf8');
const example = (marker: string) => new RegExp(`<!-- ${marker} -->\\s*\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(DOC)![1]!;

describe('docs/standards.md examples', () => {
  it('parses the user event type with its business-day standard', () => {
    const parsed = parseStandardsConfig(example('event-types-example'), 'yaml');
    expect(parsed).toMatchObject({ ok: true, config: { eventTypes: [{ id: 'email' }], standards: [{ id: 'email-reply-1bd', clock: 'business' }] } });
  });
  it('parses the ready-to-paste complaint standards, the ones the complaint test posts', () => {
    const parsed = parseStandardsConfig(example('complaint-standards-example'), 'yaml');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.config.standards.map(({ id, measure, threshold, clock }) => ({ id, measure, threshold, clock }))).toEqual(COMPLAINT_STANDARDS.map(({ id, measure, threshold, clock }) => ({ id, measure, threshold, clock })));
  });
});
