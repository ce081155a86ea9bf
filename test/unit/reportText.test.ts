// How the audit report writes text: the running header's CSS string can hold any organisation name without ending
// the string or the style element, the CSP hash is the style's, and periods read as a person says them.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportStyle } from '../../server/src/services/exports/reportStyle';
import { axisName, cssString, localTime, periodName, pct } from '../../server/src/services/exports/reportText';

/** CSS's own reading of a string token (escapes: a backslash, 1–6 hex digits, one optional space). */
const readCssString = (literal: string): string =>
  literal.slice(1, -1).replace(/\\([0-9a-f]{1,6}) ?/gi, (_all, hex: string) => String.fromCodePoint(parseInt(hex, 16)));

describe('the running header as a CSS string', () => {
  it('reads back as the text, with nothing that could end the string, the rule or the style element', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const literal = cssString(text);
        expect(readCssString(literal)).toBe(text);
        expect(literal.slice(1, -1)).not.toMatch(/["'<>{}\n\r]|\\(?![0-9a-f])/i);
      }),
    );
    expect(cssString('Northwind "Clinics" </style>')).toBe('"Northwind \\22 Clinics\\22  \\3c /style\\3e "');
  });

  it('the CSP allows exactly the style sheet it was built with', () => {
    const { css, contentSecurityPolicy } = reportStyle({ title: 'Acme · audit', period: '2026-11-01 – 2026-12-01', reportId: 'abc' });
    const hash = createHash('sha256').update(css, 'utf8').digest('base64');
    expect(contentSecurityPolicy).toContain(`style-src 'sha256-${hash}'`);
    expect(contentSecurityPolicy).not.toContain('unsafe-inline');
    expect(css).toContain('counter(page)');
    expect(css).toContain('counter(pages)');
  });
});

describe('periods and instants as a reader says them', () => {
  it('months, weeks and days', () => {
    expect(periodName('2026-11', 'month')).toBe('Nov 2026');
    expect(axisName('2026-11', 'month')).toBe('Nov 2026');
    expect(periodName('week of 2026-11-02', 'week')).toBe('week of 2 Nov 2026');
    expect(axisName('week of 2026-11-02', 'week')).toBe('w/c 2 Nov');
    expect(periodName('2026-11-03', 'day')).toBe('3 Nov 2026');
    expect(axisName('2026-11-03', 'day')).toBe('3 Nov');
  });

  it('an instant in the zone, with its offset; a percentage that cannot wrap', () => {
    expect(localTime(Date.parse('2026-11-15T23:00:00Z'), 'Europe/Berlin')).toBe('16 Nov 2026 00:00 GMT+01:00');
    expect(pct(0.578)).toBe('57.8\u00a0%');
  });
});
