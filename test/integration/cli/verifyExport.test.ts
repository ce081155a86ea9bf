// scripts/verify-export.mjs's command line, as an auditor runs it: what it does not understand is bad usage (exit 2,
// naming it), never ignored, since an ignored option or file is a check that silently did not happen.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repo } from '../support/cli';
import { removeDir, tempDataDir } from '../support/testServer';

const script = join(repo, 'scripts', 'verify-export.mjs');
const dir = tempDataDir();
afterAll(() => removeDir(dir));
const ev = join(dir, 'ev.csv');
const co = join(dir, 'co.csv');
writeFileSync(ev, 'not an export\n');
writeFileSync(co, 'not an export\n');
const head = 'a'.repeat(64);
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 30_000 });
const USAGE = 'usage: node scripts/verify-export.mjs FILE [--public-key FILE] [--head HASH] [--events EVENTS-FILE] [--tsa-ca FILE] [--json]\n';

describe('verify-export.mjs usage', () => {
  it.each([
    [[ev, '--public-kye', 'ringside-key.json', '--head', head], "verify-export: Unknown option '--public-kye'\n"],
    [[ev, co], `verify-export: one FILE at a time, got 2: '${ev}', '${co}' (verify each export on its own; a compliance export's events export goes with --events)\n`],
    [[ev, co, join(dir, 'third.csv'), '--json'], 'verify-export: one FILE at a time, got 3: '],
    [[ev, '-x'], "verify-export: Unknown option '-x'\n"],
    [[ev, '--head'], "verify-export: Option '--head <value>' argument missing\n"],
    [[ev, '--json=yes'], "verify-export: Option '--json' does not take an argument\n"],
    [[], 'verify-export: FILE is required\n'],
  ])('%j: exit 2, naming what is wrong, then the usage; nothing is verified', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr.endsWith(USAGE)).toBe(true);
    expect(r.stdout).toBe('');
  });

  it.each([[['--help']], [['-h']], [[ev, '--help']], [['--public-kye', '-h']]])('%j prints the usage and every option, exit 0', (args) => {
    const r = run(...args);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(USAGE)).toBe(true);
    for (const option of ['--public-key FILE', '--head HASH', '--events FILE', '--tsa-ca FILE', '--json', '-h, --help']) expect(r.stdout).toContain(`  ${option}`);
    expect(r.stderr).toBe('');
  });

  it('one file it cannot read as an export still fails (exit 1), as before', () => {
    const r = run(ev);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: /);
  });
});
