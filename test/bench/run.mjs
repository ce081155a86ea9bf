#!/usr/bin/env node
// `pnpm bench [case …] [--quick] [--out FILE] [--profile]`: Ringside against the limits of its own parts,
// each case side by side with its baseline in the same run. Cases: ingest, batch, milestones, batch-pg, live, query,
// export, memory, render, nodes (PostgreSQL with 1–3 nodes beside SQLite). With no case named, all run and BENCHMARKS.md at the root is regenerated;
// a subset or --quick prints the report and writes it to test/bench/.out/ (or --out FILE) instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer, machine, REPO, settleCpu, settleDisk } from './lib/common.mjs';
import { renderReport } from './lib/report.mjs';

// Live runs before the query case: after the query case's 10 M-event fixtures (gigabytes written and dropped on
// SQLite and PostgreSQL) this VM answers slowly for minutes with its cores idle (docs/benchmarks.md, "Order").
const CASES = ['ingest', 'batch', 'milestones', 'batch-pg', 'live', 'query', 'export', 'memory', 'render', 'nodes'];

const USAGE = `usage: pnpm bench [case …] [--quick] [--out FILE] [--profile] [--events N]
  cases: ${CASES.join(', ')} (none named: all of them, and BENCHMARKS.md is regenerated)
  --quick      shorter runs and smaller fixtures (a smoke test; its figures are not the targets')
  --out FILE   where a subset's report goes (default test/bench/.out/)
  --profile    keep each server's V8 CPU profile in its data folder
  --events N   the query case's stored events (default 10000000; --quick 50000)`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      events: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  console.error(`bench: ${error.message.split('. ')[0]}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.events !== undefined && !/^[1-9][0-9]*$/.test(values.events)) {
  console.error(`bench: --events must be a whole number of events above 0, not ${JSON.stringify(values.events)}\n${USAGE}`);
  process.exit(2);
}
const unknown = positionals.filter((p) => !CASES.includes(p));
if (unknown.length > 0) {
  console.error(`bench: unknown case(s) ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
  process.exit(2);
}
const selected = positionals.length > 0 ? CASES.filter((c) => positionals.includes(c)) : CASES;
const ctx = {
  quick: values.quick,
  profile: values.profile,
  queryEvents: values.events ? Number(values.events) : undefined,
  log: (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a),
};

const started = Date.now();
const info = machine();
ctx.log(`machine: ${info.cores} cores (${info.cpu}), ${info.memoryGb} GB, Node ${info.node}, load ${info.load}`);
buildServer();
const results = [];
let failed = false;
for (const name of selected) {
  settleDisk(ctx.log, 'the next case');
  // A quick run (CI-sized, on a machine busy with the tests) measures nothing comparable: it does not wait.
  const settled = ctx.quick ? undefined : await settleCpu(ctx.log, `case ${name}`);
  const t = Date.now();
  ctx.log(`case ${name}${ctx.quick ? ' (quick)' : ''} …`);
  try {
    const mod = await import(`./cases/${name}.mjs`);
    const r = await mod.run(ctx);
    results.push({ name, ...r, seconds: (Date.now() - t) / 1000, settled });
    for (const row of r.rows) ctx.log(`  ${row.what}: ${row.measured} | baseline ${row.baseline} | ${row.verdict}`);
  } catch (error) {
    failed = true;
    ctx.log(`case ${name} failed: ${error.stack ?? error}`);
    results.push({ name, rows: [{ what: name, measured: `failed: ${String(error.message ?? error).slice(0, 200)}`, baseline: '', ratio: '', target: '', verdict: 'failed' }], seconds: (Date.now() - t) / 1000 });
  }
}
const totalSeconds = (Date.now() - started) / 1000;
const full = selected.length === CASES.length && !ctx.quick;
const markdown = renderReport({ machine: info, results, totalSeconds, quick: ctx.quick, full, startedAt: new Date(started) });
const out = values.out ?? (full ? join(REPO, 'BENCHMARKS.md') : join(REPO, 'test/bench/.out', `${ctx.quick ? 'quick-' : ''}${selected.join('-')}.md`));
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, markdown);
mkdirSync(join(REPO, 'test/bench/.out'), { recursive: true });
writeFileSync(join(REPO, 'test/bench/.out/last.json'), JSON.stringify({ machine: info, results, totalSeconds }, null, 2));
ctx.log(`done in ${totalSeconds.toFixed(0)} s → ${out}`);
if (!full) process.stdout.write(markdown);
process.exit(failed ? 1 : 0);
