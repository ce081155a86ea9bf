#!/usr/bin/env node
// Offline check of a Ringside export. Node's standard library only; no server needed.
//
//   node scripts/verify-export.mjs FILE [--head HASH] [--json]
//
// Checks, for CSV, NDJSON and JSON exports (docs/audit.md has the exact definitions):
//   1. the data rows hash to the manifest's dataSha256 and there are rowCount of them;
//   2. event exports: every row's event and judgement record hashes to its chain link
//      (digest = SHA-256(canonical JSON of the record), hash = SHA-256(prev + canonical {digest,kind,ref}));
//      the links of the rows plus the proof links form one unbroken chain up to the manifest's chain head;
//      audit-log and milestone exports: every row hashes to its chain link;
//   3. with --head HASH: the hash you were given (a published head, e.g. from GET /api/v1/audit/verify or a
//      previous audit report) is the export's chain head, or one of the links the export's chain proof passes
//      through (a head published after the first exported row and before the export).
// Exit code 0 = verified, 1 = verification failed, 2 = bad usage / unreadable file.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const sortKeys = (v) =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]))
      : v;
const canonical = (v) => JSON.stringify(sortKeys(v));
const linkHash = (prev, kind, ref, digest) => sha256(prev + canonical({ digest, kind, ref }));

// Column types of the CSV exports that the chain records need (everything else is text).
const NUMERIC = new Set(['event_seq', 'occurred_at_ms', 'received_at_ms', 'rings', 'answer_seconds', 'greet_seconds', 'standard_version', 'value', 'threshold', 'met', 'counted', 'correction_seq', 'corrected_met', 'corrected_counted', 'event_link_seq', 'judgement_link_seq', 'seq', 'at_ms', 'link_seq', 'numerator', 'denominator', 'ratio', 'target', 'voided', 'amended', 'alert_id', 'duration_seconds', 'handle_seconds']);

function usage(message) {
  process.stderr.write(`verify-export: ${message}\nusage: node scripts/verify-export.mjs FILE [--head HASH] [--json]\n`);
  process.exit(2);
}

const unneutralise = (cell) => (cell.startsWith("'") ? cell.slice(1) : cell);

/**
 * The next CSV item at text[i]: a '#' comment line or an RFC 4180 record, with its exact source text.
 * null when the buffer ends inside it (more input needed), unless `eof`.
 */
function nextCsvItem(text, i, eof) {
  if (text[i] === '#') {
    const nl = text.indexOf('\n', i);
    if (nl < 0 && !eof) return null;
    const end = nl < 0 ? text.length : nl + 1;
    return { item: { comment: text.slice(i, end).replace(/\r?\n$/, '') }, next: end };
  }
  const start = i;
  const fields = [];
  let field = '';
  let quoted = false;
  for (;;) {
    if (i >= text.length) {
      if (!eof) return null;
      fields.push(field);
      break;
    }
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (i + 1 >= text.length && !eof) return null;
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else {
          quoted = false;
          i += 1;
        }
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && (text[i + 1] === '\n' || (i + 1 >= text.length && !eof))) {
      if (i + 1 >= text.length) return null;
      fields.push(field);
      i += 2;
      break;
    } else if (c === '\n') {
      fields.push(field);
      i += 1;
      break;
    } else {
      field += c;
      i += 1;
    }
  }
  return { item: { fields, raw: text.slice(start, i) }, next: i };
}

/** Text chunks of a file (UTF-8), 1 MB at a time: exports of any size, in bounded memory. */
async function* chunks(file) {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) yield chunk;
}

/** Lines of a file ('\n'-separated, without the '\n'). */
async function* lines(file) {
  let carry = '';
  for await (const chunk of chunks(file)) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop();
    yield* parts;
  }
  if (carry !== '') yield carry;
}

async function firstBytes(file) {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, 64, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Feeds header, rows, links and the manifest of an export to `v`; the data hash is computed on the way. */
async function readExport(file, v) {
  const hash = createHash('sha256');
  const start = await firstBytes(file);
  if (start.startsWith('# ringside-export ')) {
    v.format = 'csv';
    let columns = null;
    let buffer = '';
    let seenTrailer = false;
    const take = (eof) => {
      let i = 0;
      for (;;) {
        if (i >= buffer.length) break;
        const got = nextCsvItem(buffer, i, eof);
        if (!got) break;
        i = got.next;
        const { item } = got;
        if (item.comment !== undefined) {
          if (item.comment.startsWith('# ringside-export ')) v.header(JSON.parse(item.comment.slice(18)));
          else if (item.comment.startsWith('# link ')) (seenTrailer = true), v.link(JSON.parse(item.comment.slice(7)));
          else if (item.comment.startsWith('# manifest ')) (seenTrailer = true), v.manifest(JSON.parse(item.comment.slice(11)));
          continue;
        }
        if (item.fields.length === 1 && item.fields[0] === '' && item.raw.trim() === '') continue;
        if (!columns) {
          columns = item.fields;
          continue;
        }
        if (seenTrailer) throw new Error('a data row after the trailing # lines');
        hash.update(item.raw, 'utf8');
        const row = {};
        columns.forEach((name, k) => {
          const cell = item.fields[k] ?? '';
          row[name] = cell === '' ? null : NUMERIC.has(name) && /^-?\d/.test(cell) ? Number(cell) : unneutralise(cell);
        });
        v.row(row);
      }
      buffer = buffer.slice(i);
    };
    for await (const chunk of chunks(file)) {
      buffer += chunk;
      take(false);
    }
    take(true);
    return hash.digest('hex');
  }
  if (start.startsWith('{"export":')) {
    let mode = 'start';
    for await (const raw of lines(file)) {
      const line = raw.replace(/\r$/, '');
      if (mode === 'start') {
        // NDJSON: the first line is a whole object; JSON: it ends with a comma before "rows".
        if (line.endsWith(',')) {
          v.format = 'json';
          v.header(JSON.parse(line.slice('{"export":'.length, -1)));
          mode = 'json';
        } else {
          v.format = 'ndjson';
          v.header(JSON.parse(line).export);
          mode = 'ndjson';
        }
        continue;
      }
      if (line === '') continue;
      if (mode === 'ndjson') {
        const value = JSON.parse(line);
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === 'link') v.link(value.link);
        else if (keys.length === 1 && keys[0] === 'manifest') v.manifest(value.manifest);
        else {
          hash.update(line + '\n', 'utf8');
          v.row(value);
        }
        continue;
      }
      // JSON, as the server lays it out: {"export":…,\n"rows":[\nrow,\nrow\n],\n"links":[\nlink,\n…],\n"manifest":{…}}
      if (line === '"rows":[' || line === '"links":[') mode = line === '"rows":[' ? 'json-rows' : 'json-links';
      else if (line === '],' || line === ']') mode = 'json';
      else if (line === '"links":[],') mode = 'json';
      else if (line.startsWith('"manifest":')) v.manifest(JSON.parse(line.slice(11, -1)));
      else if (line.startsWith('"rows":[') || line.startsWith('"links":[')) throw new Error('not laid out as Ringside writes JSON exports (one row per line)');
      else if (mode === 'json-rows') {
        const row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
        hash.update(JSON.stringify(row) + '\n', 'utf8');
        v.row(row);
      } else if (mode === 'json-links') v.link(JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line));
      else throw new Error(`unexpected line in a JSON export: ${line.slice(0, 40)}`);
    }
    return hash.digest('hex');
  }
  throw new Error('the file does not start like a Ringside export ("# ringside-export" or {"export":…})');
}

function eventRecord(r) {
  return {
    seq: r.event_seq, id: r.event_id, type: r.type, site: r.site, occurredAtMs: r.occurred_at_ms, occurredAt: r.occurred_at,
    receivedAtMs: r.received_at_ms, outcome: r.outcome, rings: r.rings, answerSeconds: r.answer_seconds, greetSeconds: r.greet_seconds,
    queue: r.queue, agent: r.agent, derived: r.derived, content: r.content,
    // Events of other types than calls and visits carry their measures; the record has the key only then.
    ...(r.measures === null || r.measures === undefined ? {} : { measures: r.measures }),
  };
}

function judgementRecord(r) {
  return { eventSeq: r.event_seq, standardId: r.standard_id, standardVersion: r.standard_version, measure: r.measure, value: r.value, threshold: r.threshold, met: r.met, counted: r.counted, reason: r.reason };
}

function milestoneRecord(r) {
  return {
    seq: r.seq, id: r.milestone_id, type: r.type, site: r.site, caseId: r.case_id, milestone: r.milestone, atMs: r.at_ms, at: r.at,
    receivedAtMs: r.received_at_ms, agent: r.agent, queue: r.queue, handleSeconds: r.handle_seconds, content: r.content,
  };
}

function auditRecord(r) {
  return { seq: r.seq, keyId: r.key_id, action: r.action, target: r.target, details: r.details, atMs: r.at_ms };
}

const MAX_PROBLEMS = 1000;

/**
 * The checks, fed row by row. Chain links of the rows and proof lines are kept in flat buffers indexed by
 * link seq from the first exported link to the head (64 bytes + 1 per link): large exports fit in memory.
 */
function verifier(publishedHead) {
  const problems = [];
  const notes = [];
  const problem = (p) => void (problems.length < MAX_PROBLEMS && problems.push(p));
  let header = null;
  let manifest = null;
  let rows = 0;
  let base = -1;
  let size = 0;
  let hashes = null; // 32 bytes per link
  let prevs = null; // rows: the prev hash they carry
  let flags = null; // 0 unknown, 1 carried by a row, 2 proof line
  let lastProof = -1;
  const v = {
    format: null,
    header(h) {
      header = h;
    },
    row(r) {
      rows += 1;
      if (header?.kind === 'events') {
        const where = `row ${rows} (event ${r.event_id}${r.standard_id ? `, ${r.standard_id}` : ''})`;
        if (r.event_link_seq === null) return problem(`${where}: no chain link`);
        if (linkHash(r.event_link_prev, 'event', String(r.event_seq), sha256(canonical(eventRecord(r)))) !== r.event_link_hash) {
          problem(`${where}: the event record does not hash to its chain link ${r.event_link_seq} (the row was altered)`);
        }
        carry(r.event_link_seq, r.event_link_prev, r.event_link_hash, where);
        if (r.standard_id !== null) {
          if (linkHash(r.judgement_link_prev, 'judgement', `${r.event_seq}/${r.standard_id}`, sha256(canonical(judgementRecord(r)))) !== r.judgement_link_hash) {
            problem(`${where}: the judgement record does not hash to its chain link ${r.judgement_link_seq} (the row was altered)`);
          }
          carry(r.judgement_link_seq, r.judgement_link_prev, r.judgement_link_hash, where);
        }
      } else if (header?.kind === 'milestones') {
        if (r.link_seq === null) return problem(`row ${rows}: no chain link`);
        if (linkHash(r.link_prev, 'milestone', String(r.seq), sha256(canonical(milestoneRecord(r)))) !== r.link_hash) {
          problem(`row ${rows} (milestone ${r.milestone_id}): does not hash to its chain link ${r.link_seq} (the row was altered)`);
        }
      } else if (header?.kind === 'audit-log') {
        if (r.link_seq === null) return problem(`row ${rows}: no chain link`);
        if (linkHash(r.link_prev, 'audit', String(r.seq), sha256(canonical(auditRecord(r)))) !== r.link_hash) {
          problem(`row ${rows} (audit entry ${r.seq}): does not hash to its chain link ${r.link_seq} (the row was altered)`);
        }
      }
    },
    link(l) {
      if (base < 0) return problem(`proof link ${l.seq} without any exported row`);
      if (l.seq <= lastProof) return problem(`proof link ${l.seq} out of order`);
      lastProof = l.seq;
      const i = l.seq - base;
      if (i <= 0 || i >= size) return problem(`proof link ${l.seq} outside the exported range`);
      if (flags[i - 1] === 0) return problem(`proof link ${l.seq} has no predecessor (link ${l.seq - 1} is missing)`);
      const prev = hashes.subarray((i - 1) * 32, i * 32).toString('hex');
      if (linkHash(prev, l.kind, l.ref, l.digest) !== l.hash) problem(`proof link ${l.seq} does not follow from link ${l.seq - 1}`);
      Buffer.from(l.hash, 'hex').copy(hashes, i * 32);
      flags[i] = 2;
    },
    manifest(m) {
      manifest = m;
    },
    finish(dataSha256) {
      const m = manifest;
      if (!m) return { ok: false, problems: ['no trailing manifest: the export is truncated'], notes, rows };
      if (m.rowCount !== rows) problem(`manifest rowCount ${m.rowCount} but the file has ${rows} data rows`);
      if (m.dataSha256 !== dataSha256) problem(`data rows hash to ${dataSha256}, the manifest says ${m.dataSha256} (rows were changed, added or removed)`);
      if (!header || canonical(header.filters) !== canonical(m.filters)) problem('the filters in the first line and in the manifest differ');
      let headFoundAt = null;
      if (m.kind === 'events' && base >= 0 && m.proof) {
        for (let i = 0; i < size; i += 1) {
          const seq = base + i;
          if (flags[i] === 0) {
            problem(`chain link ${seq} is missing from the export's proof`);
            continue;
          }
          if (flags[i] === 1 && i > 0 && flags[i - 1] !== 0 && !prevs.subarray(i * 32, i * 32 + 32).equals(hashes.subarray((i - 1) * 32, i * 32))) {
            problem(`link ${seq} (carried by a row) does not follow from link ${seq - 1}`);
          }
          if (publishedHead && headFoundAt === null && hashes.subarray(i * 32, i * 32 + 32).toString('hex') === publishedHead) headFoundAt = seq;
        }
        const last = hashes.subarray((size - 1) * 32, size * 32).toString('hex');
        if (last !== m.chainHead.hash) problem(`the chain ends in ${last}, not the manifest's head ${m.chainHead.hash}`);
        else notes.push(`rows linked through ${size} chain links to head ${m.chainHead.seq}`);
      } else if (m.kind === 'events' && rows > 0) {
        notes.push('no proof links (proof=none): rows were checked against their own links only, not linked to the head');
      }
      if (publishedHead) {
        if (publishedHead === m.chainHead.hash) notes.push(`the export's chain head equals the published head ${publishedHead}`);
        else if (headFoundAt !== null) notes.push(`the published head ${publishedHead} is link ${headFoundAt} of the verified chain (the export's head ${m.chainHead.seq} is newer)`);
        else problem(`the export was made against chain head ${m.chainHead.hash} (record ${m.chainHead.seq}) and its chain does not pass through the published head ${publishedHead}; compare with a head published after the exported period, or ask the server's /api/v1/audit/verify`);
      }
      return { ok: problems.length === 0, problems, notes, rows, kind: m.kind };
    },
  };
  function carry(seq, prev, hash, where) {
    if (base < 0) {
      base = seq;
      size = header.chainHead.seq - base + 1;
      if (size <= 0) return problem(`${where}: link ${seq} is after the export's chain head`);
      hashes = Buffer.alloc(size * 32);
      prevs = Buffer.alloc(size * 32);
      flags = new Uint8Array(size);
    }
    const i = seq - base;
    if (i < 0 || i >= size) return problem(`${where}: link ${seq} outside the exported range ${base}–${base + size - 1}`);
    const h = Buffer.from(hash, 'hex');
    const p = Buffer.from(prev, 'hex');
    if (flags[i] === 1 && (!hashes.subarray(i * 32, i * 32 + 32).equals(h) || !prevs.subarray(i * 32, i * 32 + 32).equals(p))) {
      return problem(`${where}: link ${seq} differs from another row carrying it`);
    }
    h.copy(hashes, i * 32);
    p.copy(prevs, i * 32);
    flags[i] = 1;
  }
  return v;
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--head');
const headIndex = args.indexOf('--head');
const head = headIndex >= 0 ? args[headIndex + 1] : undefined;
if (!file) usage('FILE is required');
if (headIndex >= 0 && !/^[0-9a-f]{64}$/.test(head ?? '')) usage('--head needs a 64-character hex SHA-256');
try {
  statSync(file);
} catch (error) {
  usage(`cannot read ${file}: ${error.message}`);
}
const v = verifier(head);
let result;
let dataSha256 = null;
try {
  dataSha256 = await readExport(file, v);
  result = v.finish(dataSha256);
} catch (error) {
  result = { ok: false, problems: [`not a readable Ringside export: ${error.message}`], notes: [], rows: 0 };
}
if (args.includes('--json')) process.stdout.write(JSON.stringify({ file, format: v.format, dataSha256, ...result }) + '\n');
else if (result.ok) {
  process.stdout.write(`VERIFIED: ${file} (${result.kind}, ${v.format}, ${result.rows} rows, data SHA-256 ${dataSha256})\n`);
  for (const n of result.notes) process.stdout.write(`  ${n}\n`);
} else {
  process.stdout.write(`FAILED: ${file}\n`);
  for (const p of result.problems.slice(0, 20)) process.stdout.write(`  ${p}\n`);
  if (result.problems.length > 20) process.stdout.write(`  … and ${result.problems.length - 20} more\n`);
}
process.exit(result.ok ? 0 : 1);
