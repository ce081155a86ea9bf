// Export: GET /api/v1/export/events as NDJSON and as CSV over 1 M stored events (with their audit-chain
// proof, the default), streamed to the harness; rows/s and the server's RSS growth (sampled every 100 ms).
// Baseline, per format, measured in the same run once the server has stopped: reading the same event ⋈ judgement rows
// with better-sqlite3 .iterate() and serialising each (JSON.stringify of the row object + "\n"; or its values as an
// RFC 4180 CSV record), in-process: what a plain loop over the rows costs, without chain links, hashing or HTTP.
// Floor, same run: the export's own statement (its rows with their two chain links joined) stepped in process with raw
// rows and nothing else: how many rows/s reading alone reaches on this machine, beside the export's figures.
// The least the proof adds, same run: each row's two chain links read (the export's statement stepped with and without
// its link joins) and its bytes hashed with SHA-256: where a ratio misses, whether the proof's own cost is what is over.
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH, fmt, removeDir, rssMb, settleDisk, startRingside, tempDir, sleep } from '../lib/common.mjs';
import { loadStoreTools } from '../lib/build.mjs';
import { Database } from '../lib/db.mjs';
import { cpuBudget } from '../lib/cpuBudget.mjs';

const DAY = 86_400_000;
const TARGET_ROWS_PER_SECOND = 200_000;

export async function run({ quick, log }) {
  const events = quick ? 20_000 : 1_000_000;
  const toMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const fromMs = toMs - 7 * DAY;
  const dir = tempDir('export');
  try {
    const tools = await loadStoreTools();
    const t0 = performance.now();
    await tools.generateBulk({ dataDir: dir, events, sites: 20, fromMs, toMs, seed: 11 });
    const links = tools.chainGenerated(dir);
    const genMs = performance.now() - t0;
    log(`export: fixture ${events} events + ${links} chain links in ${(genMs / 1000).toFixed(1)} s`);
    const inWindow = countInWindow(dir, fromMs, toMs);
    if (inWindow !== events) throw new Error(`the fixture holds ${inWindow} events in the export's window, expected ${events}`);
    settleDisk(log, 'the exports');
    const server = await startRingside(dir);
    const out = {};
    const base = {};
    try {
      await sleep(300);
      for (const format of ['ndjson', 'csv']) {
        const before = rssMb(server.pid);
        const cpuBefore = cpuMs(server.pid);
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 100);
        try {
          const { manifest, ...r } = await download(`${server.url}/api/v1/export/events?format=${format}&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`, format);
          out[format] = { ...r, before, peak, growth: peak - before, rowsPerSecond: r.rows / (r.ms / 1000), cpuMs: cpuMs(server.pid) - cpuBefore };
          checkDownload(format, r.rows, manifest, events, server);
        } finally {
          clearInterval(sampler);
        }
      }
    } finally {
      await server.stop();
    }
    // The baselines once the server is gone: their synchronous loops would otherwise hold the harness (and with it
    // the reading of the server's output) for the minutes they take on a loaded machine.
    for (const format of ['ndjson', 'csv']) base[format] = baseline(dir, fromMs, toMs, format);

    const stepped = tools.stepExportRows(dir, fromMs, toMs);
    if (stepped.rows !== events) throw new Error(`stepping the export's statement gave ${stepped.rows} rows, expected ${events}`);
    const floor = { ...stepped, rowsPerSecond: stepped.rows / (stepped.ms / 1000) };
    // The least the proof adds per row: the same statement stepped without its two link joins, and each format's bytes hashed.
    const unlinked = tools.stepExportRows(dir, fromMs, toMs, { links: false });
    if (unlinked.rows !== events) throw new Error(`stepping the export's statement without its links gave ${unlinked.rows} rows, expected ${events}`);
    const proof = { linkedMs: floor.cpuMs, plainMs: unlinked.cpuMs, linksMs: Math.max(0, floor.cpuMs - unlinked.cpuMs), hashMs: hashCost({ ndjson: out.ndjson.bytes, csv: out.csv.bytes }) };
    log(`export: ${JSON.stringify(out)} baseline ${JSON.stringify(base)} floor ${JSON.stringify(floor)}`);
    const ratio = (f) => out[f].rowsPerSecond / base[f].rowsPerSecond;
    const worst = Math.min(out.ndjson.rowsPerSecond, out.csv.rowsPerSecond);
    const worstRatio = Math.min(ratio('ndjson'), ratio('csv'));
    const growth = Math.max(out.ndjson.growth, out.csv.growth);
    const perRow = (ms, rows) => (ms * 1000) / rows;
    const slower = out.ndjson.cpuMs / out.ndjson.rows >= out.csv.cpuMs / out.csv.rows ? 'ndjson' : 'csv';
    const serverUs = perRow(out[slower].cpuMs, out[slower].rows);
    const budget = cpuBudget({
      unit: 'row',
      rate: TARGET_ROWS_PER_SECOND,
      parts: [
        { what: `the server (${slower.toUpperCase()}, the costlier format)`, us: serverUs },
        { what: 'the HTTP client reading the lines', us: perRow(out[slower].clientCpuMs, out[slower].rows) },
      ],
      threadUs: serverUs,
    });
    // The target's baseline is a single thread: what 200,000 rows/s would take of one core at its CPU per row.
    const baselineCores = (f) => (perRow(base[f].cpuMs, base[f].rows) * TARGET_ROWS_PER_SECOND) / 1e6;
    const baselineBudget = `The baseline itself at ${fmt(TARGET_ROWS_PER_SECOND)} rows/s: at its CPU per row in this run (NDJSON ${fmt(perRow(base.ndjson.cpuMs, base.ndjson.rows), 2)} µs, CSV ${fmt(perRow(base.csv.cpuMs, base.csv.rows), 2)} µs; reading and serialising, nothing else) it would take ${baselineCores('ndjson').toFixed(2)} and ${baselineCores('csv').toFixed(2)} of one core${Math.min(baselineCores('ndjson'), baselineCores('csv')) > 1 ? ': a single-threaded read-and-serialise loop, the baseline included, cannot reach the absolute rate on this machine' : ''}.`;
    const met = worst >= TARGET_ROWS_PER_SECOND && worstRatio >= 0.9 && growth < 100 && events >= 1_000_000;
    // Where a format misses 0.9 ×: its CPU per row less the least the proof adds (its two links read, its bytes
    // hashed), against the baseline's. Within 0.9 × of it, the proof's own cost is what is over; beyond, the export's.
    const proofUs = (f) => perRow(proof.linksMs + proof.hashMs[f], events);
    const withoutProof = (f) => perRow(out[f].cpuMs, out[f].rows) - proofUs(f);
    const proofLine = `The least the proof adds, same run, after the floor: reading each row's two chain links (the export's statement stepped as the floor is, against the same statement without its two link joins: ${fmt(perRow(proof.linkedMs, events), 2)} against ${fmt(perRow(proof.plainMs, events), 2)} µs per row, +${fmt(perRow(proof.linksMs, events), 2)}) and hashing each format's bytes with SHA-256 (the manifest's digest: NDJSON ${fmt(perRow(proof.hashMs.ndjson, events), 2)}, CSV ${fmt(perRow(proof.hashMs.csv, events), 2)} µs per row). The exports' server CPU per row less that: NDJSON ${fmt(withoutProof('ndjson'), 2)} µs against its baseline's ${fmt(perRow(base.ndjson.cpuMs, base.ndjson.rows), 2)}, CSV ${fmt(withoutProof('csv'), 2)} against ${fmt(perRow(base.csv.cpuMs, base.csv.rows), 2)}.`;
    const ratioWhy = ['ndjson', 'csv']
      .filter((f) => ratio(f) < 0.9)
      .map((f) => {
        const rest = perRow(base[f].cpuMs, base[f].rows) / withoutProof(f);
        return rest >= 0.9
          ? `${f.toUpperCase()} missed 0.9 × (${ratio(f).toFixed(2)} ×), and without the least the proof adds per row (${fmt(proofUs(f), 2)} µs: its links read, its bytes hashed) its CPU per row would be ${rest.toFixed(2)} × the baseline's rate: what is over is the proof's own cost`
          : `${f.toUpperCase()} missed 0.9 × (${ratio(f).toFixed(2)} ×), and even without the least the proof adds per row (${fmt(proofUs(f), 2)} µs) its CPU per row would be ${rest.toFixed(2)} × the baseline's rate: the export's own work (its row layout, HTTP) is short too`;
      })
      .join('; ');
    const line = (f) => `${f.toUpperCase()}: ${fmt(out[f].rows)} data rows + ${fmt(out[f].linkLines)} proof-link lines, ${fmt(out[f].bytes / 1024 / 1024)} MB in ${fmt(out[f].ms / 1000, 2)} s = ${fmt(out[f].rowsPerSecond)} rows/s (server CPU ${fmt(out[f].cpuMs / 1000, 1)} s); server RSS ${fmt(out[f].before)} → peak ${fmt(out[f].peak)} MB (+${fmt(out[f].growth)} MB). Its baseline, same run: ${fmt(base[f].rows)} rows in ${fmt(base[f].ms)} ms (CPU ${fmt(base[f].cpuMs / 1000, 1)} s) = ${fmt(base[f].rowsPerSecond)} rows/s; ${ratio(f).toFixed(2)} × baseline.`;
    return {
      title: 'Export',
      how: `${fmt(events)} events over 7 days × 20 sites generated as in the query case, then chained in bulk with the audit code's own digest/link functions (as migration 5 chains pre-existing rows), so the export's proof is real, then put on disk (\`sync\`) before the server starts. \`GET /api/v1/export/events?format=…&from=…&to=…\` (default proof: each row carries its own event and judgement links in its columns, and every other link between the first exported one and the chain head follows the rows as \`link\` lines), streamed by the harness and counted line by line. Rows/s = data rows / time to the last byte (the proof links are extra work inside that time). RSS of the server sampled every 100 ms. Server CPU = the server process's user + system time during the export (/proc), steadier than wall time on a shared machine. Baseline, per format, measured in the harness in the same run right after the exports: the same event ⋈ judgement rows of the window (\`SELECT e.*, j.… ORDER BY e.seq\`) read with better-sqlite3 \`.iterate()\` as row objects and serialised as a plain loop would, NDJSON as \`JSON.stringify(row)\` + "\\n", CSV as the row's values quoted per RFC 4180 where needed, joined by "," + CRLF; in-process, the text counted and dropped (no chain links, no hashing, no HTTP, no client). Floor, same run, after the baselines: the export's own statement (\`eventRowsQuery\` in server/src/store/sqlite/exportRows.ts, the rows with both chain links joined) stepped in the harness with \`.raw().iterate()\` and nothing else, on a read-only connection in one read transaction; it must step as many rows as the fixture holds. Not a target: what reading alone costs here, so the figures above can be told apart from SQLite's share. The least the proof adds, same run, after the floor: its links read and its bytes hashed, each measured alone (below), to tell what of a missed ratio the proof itself costs.`,
      details: [
        line('ndjson'),
        line('csv'),
        `Floor, same run: the export's own statement (events ⋈ judgements with the event's and the judgement's chain links joined, in seq order) stepped in the harness with better-sqlite3 \`.raw().iterate()\` and nothing else: ${fmt(floor.rows)} rows in ${fmt(floor.ms)} ms (CPU ${fmt(floor.cpuMs / 1000, 1)} s, ${fmt((floor.cpuMs * 1000) / floor.rows, 2)} µs per row) = ${fmt(floor.rowsPerSecond)} rows/s; the exports ran at ${fmtShare(out.ndjson.rowsPerSecond / floor.rowsPerSecond)} (NDJSON) and ${fmtShare(out.csv.rowsPerSecond / floor.rowsPerSecond)} (CSV) of it, at ${fmt((out.ndjson.cpuMs * 1000) / out.ndjson.rows, 2)} and ${fmt((out.csv.cpuMs * 1000) / out.csv.rows, 2)} µs of server CPU per row.`,
        proofLine,
        budget.text,
        baselineBudget,
        `Fixture built in ${fmt(genMs / 1000, 1)} s (${fmt(links)} chain links).`],
      rows: [
        {
          what: `export (${fmt(events / 1e6, events < 1e6 ? 2 : 0)} M events)`,
          measured: `NDJSON ${fmt(out.ndjson.rowsPerSecond)} rows/s (+${fmt(out.ndjson.growth)} MB RSS), CSV ${fmt(out.csv.rowsPerSecond)} rows/s (+${fmt(out.csv.growth)} MB)`,
          baseline: `raw iterate + serialise: NDJSON ${fmt(base.ndjson.rowsPerSecond)}, CSV ${fmt(base.csv.rowsPerSecond)} rows/s (floor, the export's statement stepped alone: ${fmt(floor.rowsPerSecond)} rows/s)`,
          ratio: `NDJSON ${ratio('ndjson').toFixed(2)} ×, CSV ${ratio('csv').toFixed(2)} ×`,
          target: '≥ 0.9 × baseline and ≥ 200,000 rows/s, RSS growth < 100 MB',
          verdict: met ? 'met' : 'missed',
          ...(met
            ? {}
            : { why: `Per row the export steps SQLite once (the event ⋈ judgement row with its two chain links joined in SQL, read in seq order), builds the row text, hashes and sends it; the baseline does only the read and the serialising, in-process. 200,000 rows/s leaves 5 µs per row; stepping the export's statement alone took ${fmt((floor.cpuMs * 1000) / floor.rows, 2)} µs per row in this run (${fmt(floor.rowsPerSecond)} rows/s); the HTTP client counting the bytes shares its two cores. See test/bench/NOTES.md, 16., 18.B and 18.J. RSS growth ${growth < 100 ? 'stays within' : 'exceeds'} the 100 MB bound; ${worstRatio >= 0.9 ? 'the ratio to the same-run baseline is met' : `the ratio to the same-run baseline is missed: ${ratioWhy}`}. ${budget.verdict ?? ''} ${baselineCores('ndjson') > 1 && baselineCores('csv') > 1 ? `The baseline itself would need ${Math.min(baselineCores('ndjson'), baselineCores('csv')).toFixed(2)} × one core for the absolute rate (above).` : ''}`.trim() }),
          raw: { out, base, proof, floor, budget },
        },
      ],
    };
  } finally {
    removeDir(dir);
  }
}

/** Events of the fixture in [from, to), read from the file before the server starts. */
function countInWindow(dir, fromMs, toMs) {
  const db = new Database(join(dir, 'ringside.db'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) AS n FROM events WHERE occurred_at_ms >= ? AND occurred_at_ms < ?').get(fromMs, toMs).n;
  } finally {
    db.close();
  }
}

/** A short or miscounted export says which side it was: the server's own manifest, or the count here. */
function checkDownload(format, rows, manifest, events, server) {
  if (rows === events && manifest?.rowCount === events) return;
  const said = manifest ? `the server's manifest says rowCount ${manifest.rowCount}, filters ${JSON.stringify(manifest.filters)}, chain head ${manifest.chainHead?.seq}` : 'no manifest line arrived';
  throw new Error(`${format} export had ${rows} data rows, expected ${events}; ${said}; server stderr: ${server.stderr().slice(-2000) || '(empty)'}`);
}

function download(url, format) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    get(url, { headers: AUTH }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => reject(new Error(`export answered ${res.statusCode}: ${body.slice(0, 300)}`)));
        return;
      }
      let bytes = 0;
      let lines = 0;
      let linkLines = 0;
      let other = 0;
      let carry = '';
      let manifestLine = null;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        bytes += Buffer.byteLength(chunk);
        const text = carry + chunk;
        let start = 0;
        for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
          const l = text.slice(start, Math.min(start + 12, i));
          if (format === 'ndjson' ? l.startsWith('{"link"') : l.startsWith('# link')) linkLines += 1;
          else if (format === 'ndjson' ? !/^\{"(export|manifest|standard|correction)/.test(l) : !l.startsWith('#')) lines += 1;
          else if (l.startsWith('{"manifest"') || l.startsWith('# manifest')) manifestLine = text.slice(start, i);
          else other += 1;
          start = i + 1;
        }
        carry = text.slice(start);
      });
      res.on('end', () => {
        if (carry.startsWith('{"manifest"') || carry.startsWith('# manifest')) manifestLine = carry.trim();
        else if (carry.trim()) {
          if (format === 'ndjson' ? carry.startsWith('{"link"') : carry.startsWith('# link')) linkLines += 1;
          else if (format === 'ndjson' ? !/^\{"(export|manifest|standard|correction)/.test(carry) : !carry.startsWith('#')) lines += 1;
        }
        // CSV: the first non-# line is the header row.
        const rows = format === 'csv' ? lines - 1 : lines;
        const used = process.cpuUsage(cpu);
        resolve({ rows, linkLines, other: other + (manifestLine === null ? 0 : 1), bytes, ms: performance.now() - started, clientCpuMs: (used.user + used.system) / 1000, manifest: parseManifest(manifestLine) });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** A fraction as a percentage. */
const fmtShare = (x) => `${Math.round(x * 100)} %`;

/** A CSV cell as a plain loop would write it: RFC 4180 quotes only where needed. */
const csvCell = (v) => {
  if (v === null || v === undefined) return '';
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
};

/** Server process CPU time (user + system) in ms, from /proc. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
}

/** The plain baseline's rows: each event ⋈ judgement of the window, in seq order. */
const PLAIN_ROWS = 'SELECT e.*, j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason FROM events e JOIN judgements j ON j.event_seq = e.seq WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ORDER BY e.seq';

/** A plain read-and-serialise loop over the window's rows, in-process, the text counted and dropped. */
function baseline(dir, fromMs, toMs, format) {
  const db = new Database(join(dir, 'ringside.db'), { readonly: true });
  try {
    const stmt = db.prepare(PLAIN_ROWS);
    const serialise = format === 'csv' ? (row) => Object.values(row).map(csvCell).join(',') + '\r\n' : (row) => JSON.stringify(row) + '\n';
    const started = performance.now();
    const cpu = process.cpuUsage();
    let rows = 0;
    let bytes = 0;
    let chunk = '';
    for (const row of stmt.iterate(fromMs, toMs)) {
      chunk += serialise(row);
      rows += 1;
      if (chunk.length > 65536) {
        bytes += chunk.length;
        chunk = '';
      }
    }
    bytes += chunk.length;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { rows, ms, bytes, rowsPerSecond: rows / (ms / 1000), cpuMs: (used.user + used.system) / 1000 };
  } finally {
    db.close();
  }
}

/** CPU ms to hash each format's byte count (as the export wrote it) with SHA-256, in 64 KB text chunks: the hash's cost does not depend on the bytes. */
function hashCost(bytes) {
  const text = 'x'.repeat(65536);
  const ms = {};
  for (const [format, n] of Object.entries(bytes)) {
    const cpu = process.cpuUsage();
    const hash = createHash('sha256');
    for (let left = n; left > 0; left -= text.length) hash.update(left >= text.length ? text : text.slice(0, left), 'utf8');
    hash.digest('hex');
    const used = process.cpuUsage(cpu);
    ms[format] = (used.user + used.system) / 1000;
  }
  return ms;
}

function parseManifest(line) {
  if (line === null) return null;
  const json = JSON.parse(line.startsWith('#') ? line.slice('# manifest '.length) : line);
  return json.manifest ?? json;
}
