// The migration list must number 1, 2, 3, … : a gap or a duplicate would leave files at a version nobody can name.
import { describe, expect, it } from 'vitest';
import { inSequence, LATEST_VERSION, MIGRATIONS, type Migration } from '../../server/src/store/migrations';
import { PG_LATEST_VERSION, PG_MIGRATIONS } from '../../server/src/store/migrations/postgres';

const m = (version: number): Migration => ({ version, name: `m${version}`, sql: '' });

describe('migration list', () => {
  it('is in sequence as released', () => {
    expect(MIGRATIONS.map((x) => x.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
  });

  it('refuses a gap', () => {
    expect(() => inSequence([m(1), m(2), m(4)])).toThrow('migration 3 is missing (found version 4 at position 3)');
    expect(() => inSequence([m(2)])).toThrow('migration 1 is missing');
  });

  it('refuses a duplicate', () => {
    expect(() => inSequence([m(1), m(2), m(2), m(3)])).toThrow('migration version 2 is listed twice');
  });

  it('accepts a list in order', () => {
    expect(inSequence([m(1), m(2), m(3)]).length).toBe(3);
  });
});

describe('PostgreSQL migration list', () => {
  it('is in sequence as released (its own numbering, checked by the same rule)', () => {
    expect(PG_MIGRATIONS.map((x) => x.version)).toEqual(Array.from({ length: PG_LATEST_VERSION }, (_, i) => i + 1));
  });
});
