// The benchmark harness works end to end: quick mode of a few cases with tiny sizes, through the same
// command `pnpm bench` runs. No timing assertions: only that it ran, measured, and wrote a complete report.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const outDir = mkdtempSync(join(tmpdir(), 'ringside-bench-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('pnpm bench --quick', () => {
  it('runs the ingest and live cases against the built server and writes a report with measured figures beside their baselines (both of ingest\'s)', async () => {
    const out = join(outDir, 'report.md');
    const { stdout } = await promisify(execFile)(process.execPath, ['test/bench/run.mjs', 'ingest', 'live', '--quick', '--out', out], { cwd: repo, timeout: 120_000, maxBuffer: 10 * 1024 * 1024 });
    const report = readFileSync(out, 'utf8');
    expect(stdout).toBe(report);
    expect(report).toMatch(/Machine: \d+ cores .*Node v\d+/);
    const rows = report.split('\n').filter((l) => /^\| (single-event ingest|live latency)/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      // what | measured | baseline | ratio | target | result: figures on both sides, a verdict, no failure.
      expect(cells[2]).toMatch(/\d/);
      expect(cells[3]).toMatch(/\d/);
      expect(cells[6]).toMatch(/met|missed/);
    }
    expect(report).toMatch(/single-event ingest \| [\d,.]+ req\/s, p99 [\d.]+ ms \| bare Express 201: [\d,.]+ req\/s/);
    expect(report).toMatch(/single-event ingest vs a naive durable route \| [\d,.]+ req\/s, p99 [\d.]+ ms \| Express \+ 1 SQLite insert \+ commit per request \(FULL\): [\d,.]+ req\/s/);
    expect(report).toMatch(/live latency \(10 clients, 1000\/s\) \| p99 [\d,.]+ ms, [\d,]+ misses/);
  }, 150_000);

  it('runs the batch case with its floor (the raw loop committed per POST, with and without the per-record proof) its ceiling (the product without the fsync, and without any proof), each beside raw, and the CPU its target would take', async () => {
    const out = join(outDir, 'batch.md');
    await promisify(execFile)(process.execPath, ['test/bench/run.mjs', 'batch', '--quick', '--out', out], { cwd: repo, timeout: 120_000, maxBuffer: 10 * 1024 * 1024 });
    const report = readFileSync(out, 'utf8');
    expect(report).toMatch(/\| batch ingest \| [\d,]+ events\/s stored and judged \(server CPU [\d.]+ µs each\) \| raw prepared inserts, 1 transaction: [\d,]+ events\/s \| [\d.]+ × \|/);
    const floor = report.split('\n').find((l) => l.startsWith('- The floor with durability and proof'));
    expect(floor).toMatch(/per POST of 1000 events, as an acknowledged batch must be, [\d,]+ events\/s = [\d.]+ × raw; with the least a per-record proof costs added .* [\d,]+ events\/s = [\d.]+ × raw; the same committed once per 2 POSTs .* [\d,]+ events\/s = [\d.]+ × raw\.$/);
    const ceiling = report.split('\n').find((l) => l.startsWith('- What trading durability and the proof away would leave'));
    expect(ceiling).toMatch(/as shipped, durable and chained, [\d.,]+ µs; without the fsync \(synchronous = OFF\) [\d.,]+ µs; without the fsync and without any per-record proof \(no chain link hashed or written\) [\d.,]+ µs, at most [\d,]+ events\/s = [\d.]+ × raw\.$/);
    // The CPU the target would take at the measured CPU per event, against the machine's cores and one core.
    const budget = report.split('\n').find((l) => l.startsWith('- CPU budget at the target'));
    expect(budget).toMatch(/^- CPU budget at the target: this run's CPU per event: the server [\d.,]+ µs, the load generator [\d.,]+ µs: [\d.,]+ µs in all; at the target's [\d,]+ events\/s that is [\d.]+ of the machine's \d+ cores, and [\d.]+ of one core for the server's single thread/);
  }, 150_000);

  it('runs the PostgreSQL batch case with its floor and its ceiling (the product without the commit flush, and without any proof), each beside COPY', async () => {
    const out = join(outDir, 'batch-pg.md');
    await promisify(execFile)(process.execPath, ['test/bench/run.mjs', 'batch-pg', '--quick', '--out', out], { cwd: repo, timeout: 120_000, maxBuffer: 10 * 1024 * 1024 });
    const report = readFileSync(out, 'utf8');
    expect(report).toMatch(/\| batch ingest on PostgreSQL \(one node\) \| [\d,]+ events\/s stored and judged \(server CPU [\d.]+ µs each\) \| COPY of the same rows, 1 transaction: [\d,]+ events\/s \| [\d.]+ × \|/);
    const ceiling = report.split('\n').find((l) => l.startsWith('- What trading durability and the proof away would leave (`pgIngestCeiling`'));
    expect(ceiling).toMatch(/as shipped, durable and chained, [\d.,]+ µs; without waiting for the commit's WAL flush \(synchronous_commit = off\) [\d.,]+ µs; without that and without any per-record proof \(no chain link hashed or written\) [\d.,]+ µs, at most [\d,]+ events\/s = [\d.]+ × COPY\.$/);
  }, 150_000);

  it('says how it is used, and refuses an unknown option or a malformed --events naming it (exit 2)', async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['test/bench/run.mjs', ...args], { cwd: repo, timeout: 30_000 });
    const help = await run('--help');
    expect(help.stdout).toMatch(/^usage: pnpm bench \[case …\]/);
    expect(help.stdout).toContain('--events N');
    await expect(run('--bogus')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--bogus'[\s\S]*usage: pnpm bench/) });
    await expect(run('query', '--events', '1e3')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--events must be a whole number of events above 0, not "1e3"') });
    await expect(run('nonsense')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown case(s) nonsense') });
  });
});
