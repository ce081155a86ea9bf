// The export's direct row encoders write exactly what the per-record csv-stringify call and
// JSON.stringify of the row object wrote before (the manifest hashes these bytes; verify-export.mjs checks them).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commentJson, csvCell, csvQuote, csvRecorder, csvRecords, jsonRecorder, ndjsonBatch, numberText, type Column, type ColumnType } from '../../server/src/services/exports/encoders';
import { streamExport, TURN_MS, writer } from '../../server/src/services/exports/format';
import { GENESIS_HASH } from '../../server/src/domain/chain';
import { parse } from 'csv-parse/sync';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Writable } from 'node:stream';

// Text that exercises quoting: delimiters, quotes, CR/LF alone and together, "#", white space of every kind at
// either end (\s includes NBSP, BOM, line/paragraph separators), formula-like first characters.
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom(',', '"', '\r', '\n', '#', ' ', '\t', '\u00a0', '\ufeff', '\u2028', '=', '+', '-', '@', "'", 'a', 'é', '🛎️'), maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const TYPES: ColumnType[] = ['text', 'number', 'integer', 'boolean'];
const cellValue = fc.oneof(tricky, fc.double(), fc.integer(), fc.constant(null), fc.boolean(), fc.constant(-0));

describe('CSV records written directly', () => {
  it('quote exactly as csv-stringify does', () => {
    fc.assert(
      fc.property(tricky, (cell) => {
        expect(csvQuote(cell) + '\r\n').toBe(csvRecords([[cell]]));
      }),
      { numRuns: 2000 },
    );
  });

  it('quote a cell with a line break anywhere, so a reader accepting bare LF line ends keeps the record whole', () => {
    for (const cell of ['line\nbreak', 'cr\ronly', 'a\r\nb']) expect(csvQuote(cell)).toBe(`"${cell}"`);
  });

  it('a record of typed cells equals csv-stringify of csvCell per cell', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...TYPES), cellValue), { minLength: 1, maxLength: 8 }), (cells) => {
        const columns: Column[] = cells.map(([type], i) => ({ key: `c${i}`, type }));
        const values = cells.map(([, v]) => v);
        const expected = csvRecords([cells.map(([type, v]) => csvCell(v, type))]);
        expect(csvRecorder(columns)(values) + '\r\n').toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a CSV export whose text cells hold line breaks and #', () => {
  // Each cell makes a physical line of the file start with "#" inside a quoted cell, or holds "#" mid-line.
  const NOTES = ['front desk\n# link 1', 'desk #2', 'night shift\r# manifest', 'a\r\n#b', '#first', 'plain'];
  const columns: Column[] = [
    { key: 'period', type: 'text' },
    { key: 'note', type: 'text' },
    { key: 'numerator', type: 'integer' },
  ];
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-csv-'));
    file = join(dir, 'notes.csv');
    // A kind whose rows the verifier checks for no particular columns (compliance rows need their ratio and target).
    const header = { kind: 'incidents', format: 'csv', filters: {}, chainHead: { seq: 0, hash: GENESIS_HASH } };
    const out = createWriteStream(file);
    await streamExport(out, 'csv', {
      kind: 'incidents',
      columns,
      header,
      rows: NOTES.map((note, i) => ({ period: '2026-03', note, numerator: i })),
      toRecord: (row) => row,
      manifest: (done) => ({ ...header, ...done }),
    });
    out.end();
    await once(out, 'finish');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('quotes every cell holding CR, LF or #, so a comment line can only be one outside quotes', () => {
    const marked = NOTES.filter((n) => n !== 'plain');
    expect(marked.map((n) => csvQuote(n))).toEqual(marked.map((n) => `"${n}"`));
    expect(csvQuote('plain')).toBe('plain');
  });

  it('passes every check of scripts/verify-export.mjs', () => {
    // Its row count and SHA-256 agree; an unsigned incidents export is not proven by them (exit 3, not 1: nothing failed).
    const res = spawnSync(process.execPath, ['scripts/verify-export.mjs', file], { encoding: 'utf8' });
    expect(res.stdout, res.stdout).toMatch(/^NOT PROVEN: .*\(incidents, csv, 6 rows, data SHA-256 [0-9a-f]{64}; no --public-key\)\n/);
    expect(res.status).toBe(3);
  });

  it('reads back whole with csv-parse comment: "#", comment_no_infix (docs/audit.md)', () => {
    const rows = parse<Record<string, string>>(readFileSync(file, 'utf8'), { comment: '#', comment_no_infix: true, columns: true });
    expect(rows.map((r) => r.note)).toEqual(NOTES);
    expect(rows.map((r) => r.numerator)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it("reads back whole with Python's csv module, skipping records whose first cell starts with # (docs/audit.md)", () => {
    const script = [
      'import csv, json, sys',
      "with open(sys.argv[1], newline='', encoding='utf-8') as f:",
      "    rows = [r for r in csv.reader(f) if r and not r[0].startswith('#')]",
      'print(json.dumps(rows))',
    ].join('\n');
    const res = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const [head, ...rows] = JSON.parse(res.stdout) as string[][];
    expect(head).toEqual(['period', 'note', 'numerator']);
    expect(rows.map((r) => r[1])).toEqual(NOTES);
  });
});

describe('the JSON of a CSV # record', () => {
  const value = fc.dictionary(tricky, fc.oneof(tricky, fc.array(fc.oneof(tricky, fc.integer({ min: -9, max: 9 }))), fc.integer({ min: -99, max: 99 })));
  it('parses to the value JSON.stringify wrote, and no cell a spreadsheet makes of it at a comma starts a formula', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = commentJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        for (const m of text.matchAll(/,"?([=+\-@])(.)/g)) expect(m[1] === '-' && /\d/.test(m[2]!), text).toBe(true); // only a negative number
      }),
      { numRuns: 2000 },
    );
  });
  it('escapes only there: a listed string, after a comma inside a string; not after a colon, not a number', () => {
    expect(commentJson({ sites: ['=a', '=2+3', '-b'], r: 'x,@y', s: '-5 branch', n: [1, -5] })).toBe(
      '{"sites":["=a","\\u003d2+3","\\u002db"],"r":"x,\\u0040y","s":"-5 branch","n":[1,-5]}',
    );
    expect(commentJson({ plain: 'a-b', t: '2026-12-07T10:00:00+01:00' })).toBe(JSON.stringify({ plain: 'a-b', t: '2026-12-07T10:00:00+01:00' }));
  });
});

describe('JSON records written directly', () => {
  it('equal JSON.stringify of the row object, key order and left-out undefined included', () => {
    const value = fc.oneof(tricky, fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean(), fc.constant(-0));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (values) => {
        const columns: Column[] = values.map((_, i) => ({ key: i % 3 ? `k"${i}` : `c${i}`, type: 'text' }));
        const record = Object.fromEntries(columns.map((c, i) => [c.key, values[i]]));
        expect(jsonRecorder(columns)(values)).toBe(JSON.stringify(record));
      }),
      { numRuns: 1000 },
    );
  });

  it('keep column order and every key where an object literal would not (array indices, __proto__)', () => {
    const value = fc.oneof(tricky, fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean());
    const key = fc.constantFrom('0', '7', '10', '01', '-1', '__proto__', 'constructor', 'a', 'b', '', 'é', '}', "'");
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 8, selector: ([k]) => k }), (cells) => {
        const columns: Column[] = cells.map(([k]) => ({ key: k, type: 'text' }));
        // In column order, as the encoder always wrote them (an object would list index keys first).
        const members = cells.flatMap(([k, v]) => {
          const text = JSON.stringify(v);
          return text === undefined ? [] : [`${JSON.stringify(k)}:${text}`];
        });
        expect(jsonRecorder(columns)(cells.map(([, v]) => v))).toBe(`{${members.join(',')}}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('write a repeated key as often as the columns name it, as before', () => {
    const columns: Column[] = [{ key: 'a', type: 'text' }, { key: 'b', type: 'integer' }, { key: 'a', type: 'text' }];
    expect(jsonRecorder(columns)(['x', 1, 'y'])).toBe('{"a":"x","b":1,"a":"y"}');
  });

  it('a batch of rows of scalars is the rows written one by one, each with its line end', () => {
    // Text that looks like the place where two rows meet; keys of that kind; rows without their first key, or with
    // no key at all (written as {}).
    const key = fc.constantFrom('a', 'c},{"', '"', '', ' ', '\\', 'a",', ',', '}', ':', '},{', 'é');
    const text = fc.oneof(tricky, fc.constantFrom('},{', '},{"a":', '},{"a', '{}', '"', '\\', '\\"},{"a":', 'a', ''));
    const value = fc.oneof(text, fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean());
    let batched = 0;
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 4 }), fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), { maxLength: 12 }), (keys, rows) => {
        const columns: Column[] = keys.map((k) => ({ key: k, type: 'text' }));
        const batch = ndjsonBatch(columns);
        if (batch === null) {
          expect([',', '}', ':']).toContain(keys[0]![0]);
          return;
        }
        batched += 1;
        for (const r of rows) batch.add(r.slice(0, keys.length));
        expect(batch.rows).toBe(rows.length);
        expect(batch.take()).toBe(rows.map((r) => jsonRecorder(columns)(r.slice(0, keys.length)) + '\n').join(''));
        expect(batch.rows).toBe(0);
      }),
      { numRuns: 3000 },
    );
    expect(batched).toBeGreaterThan(1000);
  });

  it('leave a batch to the row-by-row path where the row encoder takes the piecewise one', () => {
    expect(ndjsonBatch([{ key: '0', type: 'text' }])).toBeNull();
    expect(ndjsonBatch([{ key: 'a', type: 'text' }, { key: 'a', type: 'text' }])).toBeNull();
    expect(ndjsonBatch([])).toBeNull();
  });
});

describe('numbers written without the number-to-string cache', () => {
  it('numberText equals String for every double, integers past 2^53 and -0 included', () => {
    const edges = fc.constantFrom(0, -0, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 60, 1e21, 123456789012345680000, 1.5, -7, Number.MIN_VALUE, Infinity, -Infinity, NaN);
    const number = fc.oneof(fc.double(), fc.maxSafeInteger(), fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), edges);
    fc.assert(
      fc.property(number, (v) => {
        expect(numberText(v)).toBe(String(v));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('writer', () => {
  it('gives the event loop a turn once its turn has lasted TURN_MS, while a client takes every write at once', async () => {
    // The writer's clock is the test's (performance.now faked); the event loop is real, so a callback queued for its
    // next turn runs only if the writer yields.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      // A sink that never fills: 'drain' would come in the same turn, so only the writer's own pause lets a timer run.
      const sink = new Writable({ highWaterMark: 16, write: (_chunk, _enc, cb) => cb() });
      const write = writer(sink);
      let turnGiven = false;
      setImmediate(() => (turnGiven = true));
      for (let i = 0; i < 200; i++) await write('x'.repeat(1000));
      expect(turnGiven).toBe(false); // within its turn: no pause
      vi.advanceTimersByTime(TURN_MS - 1);
      await write('x');
      expect(turnGiven).toBe(false);
      vi.advanceTimersByTime(1);
      await write('x');
      expect(turnGiven).toBe(true); // the turn has lasted TURN_MS: the next write let the loop run
    } finally {
      vi.useRealTimers();
    }
  });
});
