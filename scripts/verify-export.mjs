#!/usr/bin/env node
// Offline check of a Ringside export. Node's standard library only; no server needed.
//
//   node scripts/verify-export.mjs FILE [--public-key FILE] [--head HASH] [--tsa-ca FILE] [--json]
//
// Checks, for CSV, NDJSON and JSON exports and the HTML report (docs/audit.md has the exact definitions):
//   1. the data rows hash to the manifest's dataSha256 and there are rowCount of them;
//   2. event exports: every row's event and judgement record hashes to its chain link
//      (digest = SHA-256(canonical JSON of the record), hash = SHA-256(prev + canonical {digest,kind,ref}));
//      the links of the rows plus the proof links form one unbroken chain up to the manifest's chain head;
//      audit-log and milestone exports: every row hashes to its chain link;
//   3. with --head HASH: the hash you were given (a published head, e.g. from GET /api/v1/audit/verify or a
//      previous audit report) is the export's chain head, or one of the links the export's chain proof passes
//      through (a head published after the first exported row and before the export);
//   4. with --public-key FILE (the PEM of GET /api/v1/audit/public-key or `main.js public-key`, or that route's
//      JSON answer): the manifest's Ed25519 signature, over its canonical JSON without the signature. The manifest
//      names the rows' SHA-256, the column names and the chain head, and the first line must repeat its fields,
//      so an edited row, column name, first line or manifest field fails. The HTML report: the SHA-256 of the
//      document before its manifest comment, and that manifest's signature.
//   5. a manifest with a trusted timestamp (RFC 3161, `timestamp.token`): the token's message imprint is SHA-256 of
//      the signed manifest (canonical JSON without `timestamp`), and the TSA's time is printed; with --tsa-ca FILE,
//      `openssl ts -verify` checks the token's signature against that CA. A missing timestamp is a note.
// Exit code 0 = verified, 1 = verification failed, 2 = bad usage / unreadable file.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const sortKeys = (v) =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]))
      : v;
const canonical = (v) => JSON.stringify(sortKeys(v));
const linkHash = (prev, kind, ref, digest) => sha256(prev + canonical({ digest, kind, ref }));

// Manifest signatures (server/src/domain/manifestSignature.ts): Ed25519 over canonical(manifest without signature);
// key id = "ed25519:" + the first 16 hex digits of SHA-256 of the public key's DER (SPKI).
const keyIdOf = (publicKey) => `ed25519:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
function signatureValid(manifest, publicKey) {
  const { signature, timestamp: _stamped, ...rest } = manifest;
  return verifySignature(null, Buffer.from(canonical(rest), 'utf8'), publicKey, Buffer.from(signature.value, 'base64'));
}

// Trusted timestamps (RFC 3161; server/src/domain/timestamp.ts): the manifest's `timestamp.token` is a CMS
// TimeStampToken whose TSTInfo's message imprint is SHA-256 of canonical(manifest without timestamp).
function derNode(der, at) {
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i += 1) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag: der[at], start, end: start + len };
}
function derChildren(der, parent) {
  const out = [];
  for (let at = parent.start; at < parent.end; at = out.at(-1).end) out.push(derNode(der, at));
  return out;
}
/** A token's message imprint (hex) and genTime (ISO): ContentInfo → SignedData → encapContentInfo → TSTInfo. */
function tokenInfo(token) {
  const signedData = derChildren(token, derChildren(token, derNode(token, 0))[1])[0];
  const octets = derChildren(token, derChildren(token, derChildren(token, signedData)[2])[1])[0];
  const tst = token.subarray(octets.start, octets.end);
  const fields = derChildren(tst, derNode(tst, 0));
  const hashed = derChildren(tst, fields[2])[1];
  const t = tst.subarray(fields[4].start, fields[4].end).toString('latin1');
  return { hashedMessage: tst.subarray(hashed.start, hashed.end).toString('hex'), genTime: `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12)}` };
}

/**
 * The manifest's trusted timestamp, when it has one: the token's message imprint must be the signed manifest's
 * SHA-256; with --tsa-ca FILE, `openssl ts -verify` checks the token's CMS signature against that CA.
 */
function checkTimestamp(m, tsaCa, problem, notes) {
  const t = m.timestamp;
  if (!t) return;
  if (!t.token) return void notes.push(`trusted timestamp missing: ${t.missing ?? 'no token'} (${t.tsa})`);
  const { timestamp: _stamped, ...rest } = m;
  const digest = createHash('sha256').update(canonical(rest), 'utf8').digest('hex');
  let info;
  try {
    info = tokenInfo(Buffer.from(t.token, 'base64'));
  } catch (error) {
    return problem(`the trusted timestamp token is not a TimeStampToken (${error.message})`);
  }
  if (info.hashedMessage !== digest) return problem(`the trusted timestamp stamps ${info.hashedMessage}, but the signed manifest hashes to ${digest}: the manifest was altered after it was timestamped`);
  if (!tsaCa) return void notes.push(`trusted timestamp: TSA time ${info.genTime} (${t.tsa}); message imprint matches the signed manifest; the token's signature not checked: pass --tsa-ca FILE (needs openssl)`);
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'ringside-ts-')), 'token.der');
  writeFileSync(tokenFile, Buffer.from(t.token, 'base64'));
  const r = spawnSync('openssl', ['ts', '-verify', '-token_in', '-in', tokenFile, '-digest', digest, '-CAfile', tsaCa], { encoding: 'utf8' });
  rmSync(dirname(tokenFile), { recursive: true, force: true });
  if (r.error) return void notes.push(`trusted timestamp: TSA time ${info.genTime} (${t.tsa}); message imprint matches; the token's signature not checked: openssl is not available (${r.error.message})`);
  if (r.status !== 0) return problem(`the trusted timestamp's signature does not verify against ${tsaCa} (openssl ts -verify: ${(r.stdout + r.stderr).trim().split('\n').at(-1)})`);
  notes.push(`trusted timestamp verified: TSA time ${info.genTime} (${t.tsa}), signed by a TSA of ${tsaCa}; message imprint matches the signed manifest`);
}

/** The public key in FILE: a PEM, or the JSON answer of GET /api/v1/audit/public-key. */
function readPublicKey(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    usage(`cannot read the public key ${file}: ${error.message}`);
  }
  try {
    const pem = text.trimStart().startsWith('{') ? JSON.parse(text).publicKey : text;
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') usage(`${file} holds a ${key.asymmetricKeyType} key, not the Ed25519 key Ringside signs with`);
    return key;
  } catch (error) {
    usage(`${file} is not a public key (PEM, or the JSON of GET /api/v1/audit/public-key): ${error.message}`);
  }
}

// Column types of the CSV exports that the chain records need (everything else is text).
const NUMERIC = new Set(['event_seq', 'occurred_at_ms', 'received_at_ms', 'rings', 'answer_seconds', 'greet_seconds', 'standard_version', 'value', 'threshold', 'met', 'counted', 'correction_seq', 'corrected_met', 'corrected_counted', 'event_link_seq', 'judgement_link_seq', 'seq', 'at_ms', 'link_seq', 'numerator', 'denominator', 'ratio', 'target', 'voided', 'amended', 'alert_id', 'duration_seconds', 'handle_seconds']);

function usage(message) {
  process.stderr.write(`verify-export: ${message}\nusage: node scripts/verify-export.mjs FILE [--public-key FILE] [--head HASH] [--tsa-ca FILE] [--json]\n`);
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
          v.columns(columns);
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
    // Events posted with how long serving took carry it; the record has the key only then.
    ...(r.handle_seconds === null || r.handle_seconds === undefined ? {} : { handleSeconds: r.handle_seconds }),
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
function verifier(publishedHead, publicKey) {
  const problems = [];
  const notes = [];
  const problem = (p) => void (problems.length < MAX_PROBLEMS && problems.push(p));
  let header = null;
  let manifest = null;
  let columnNames = null;
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
    columns(names) {
      columnNames = names;
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
      if (base < 0 && header?.kind !== 'events') return startProof(l);
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
      else checkFirstLine(header, m, problem);
      if (columnNames && m.columns && canonical(columnNames) !== canonical(m.columns)) problem(`the column names row (${columnNames.join(',')}) is not the manifest's columns (${m.columns.join(',')})`);
      checkSignature(m, publicKey, problem, notes);
      checkTimestamp(m, tsaCa, problem, notes);
      let headFoundAt = null;
      if (m.kind !== 'events' && m.proof && m.proof.fromLinkSeq !== base) problem(`the manifest's proof starts at link ${m.proof.fromLinkSeq}, the file's proof links at ${base < 0 ? 'none' : base}`);
      if (base >= 0 && m.proof) {
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
        else if (m.kind === 'events') notes.push(`rows linked through ${size} chain links to head ${m.chainHead.seq}`);
        else notes.push(`chain links ${base}–${m.chainHead.seq} recomputed: the export's head descends from link ${base}`);
      } else if (m.kind === 'events' && rows > 0) {
        notes.push('no proof links (proof=none): rows were checked against their own links only, not linked to the head');
      }
      if (publishedHead) {
        if (publishedHead === m.chainHead.hash) notes.push(`the export's chain head equals the published head ${publishedHead}`);
        else if (headFoundAt !== null) notes.push(`the published head ${publishedHead} is link ${headFoundAt} of the verified chain (the export's head ${m.chainHead.seq} is newer)`);
        else if (m.kind !== 'events' && !m.proof) problem(`the export was made against chain head ${m.chainHead.hash} (record ${m.chainHead.seq}), not the published head ${publishedHead}, and carries no chain proof: export it again with since=<seq of the published head>`);
        else problem(`the export was made against chain head ${m.chainHead.hash} (record ${m.chainHead.seq}) and its chain does not pass through the published head ${publishedHead}; compare with a head published after the exported period${m.kind === 'events' ? '' : ' (and export with since=<its seq>)'}, or ask the server's /api/v1/audit/verify`);
      }
      return { ok: problems.length === 0, problems, notes, rows, kind: m.kind };
    },
  };
  /** Exports other than events: the first proof link is the published head the proof starts from (since=). */
  function startProof(l) {
    base = l.seq;
    lastProof = l.seq;
    size = header.chainHead.seq - base + 1;
    if (size <= 0) return problem(`proof link ${l.seq} is after the export's chain head`);
    hashes = Buffer.alloc(size * 32);
    prevs = Buffer.alloc(size * 32);
    flags = new Uint8Array(size);
    Buffer.from(l.hash, 'hex').copy(hashes, 0);
    flags[0] = 2;
  }
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

/** The first line repeats the manifest's fields (the manifest is what is signed): any field that differs was edited. */
function checkFirstLine(header, m, problem) {
  for (const [key, value] of Object.entries(header)) {
    if (key !== 'filters' && canonical(value) !== canonical(m[key])) problem(`the first line's "${key}" (${JSON.stringify(value)}) is not the manifest's (${JSON.stringify(m[key])}): the first line was edited`);
  }
}

/** The manifest's signature by the given public key; what the manifest says about who produced it. */
function checkSignature(m, publicKey, problem, notes) {
  const s = m.signature;
  if (!publicKey) {
    notes.push(s ? `signature (key ${s.keyId}) not checked: pass --public-key FILE (GET /api/v1/audit/public-key)` : 'the manifest is not signed');
    return;
  }
  if (!s) return problem('the manifest is not signed, but a public key was given: it was made by a Ringside without signed manifests, or the signature was removed');
  const keyId = keyIdOf(publicKey);
  if (s.algorithm !== 'Ed25519' || typeof s.value !== 'string') return problem(`the manifest's signature is not an Ed25519 signature (${JSON.stringify(s.algorithm)})`);
  if (s.keyId !== keyId) return problem(`the manifest was signed by key ${s.keyId}, but the public key given is ${keyId} (another instance's key, or a forged signature)`);
  let valid;
  try {
    valid = signatureValid(m, publicKey);
  } catch {
    valid = false; // not base64 of 64 bytes, …
  }
  if (!valid) return problem(`BAD SIGNATURE: the manifest's signature does not verify with key ${keyId}: the manifest was altered after it was signed (a field such as rowCount, dataSha256, chainHead or filters, or the rows together with their hash)`);
  const by = m.requestedBy ? `requested by key "${m.requestedBy.keyName ?? m.requestedBy.keyId}" (${m.requestedBy.keyId})` : 'requester not named';
  notes.push(`signature valid: key ${keyId}, instance ${m.instanceId ?? '(not named)'}${m.organisation ? `, organisation "${m.organisation}"` : ''}, ${by}`);
}

/**
 * The audit report (HTML): its signed manifest is the comment after the document, `documentSha256` the SHA-256 of
 * every byte before it. The report lists no chain links, so --head passes only for the report's own head.
 */
function verifyReport(bytes, publishedHead, publicKey) {
  const problems = [];
  const notes = [];
  const at = bytes.lastIndexOf('\n<!-- ringside-manifest ');
  if (at < 0) return { result: { ok: false, problems: ['no ringside-manifest comment after the document: the report is truncated, or from a Ringside that did not sign reports'], notes, rows: 0 }, dataSha256: null };
  const documentSha256 = createHash('sha256').update(bytes.subarray(0, at + 1)).digest('hex');
  const text = bytes.subarray(at + 1).toString('utf8').trim();
  if (!text.endsWith('-->')) problems.push('the manifest comment is not closed: the report is truncated');
  const m = JSON.parse(text.slice('<!-- ringside-manifest '.length, -'-->'.length));
  if (m.documentSha256 !== documentSha256) problems.push(`the document hashes to ${documentSha256}, the manifest says ${m.documentSha256} (the report was edited)`);
  checkSignature(m, publicKey, (p) => problems.push(p), notes);
  checkTimestamp(m, tsaCa, (p) => problems.push(p), notes);
  if (publishedHead && publishedHead !== m.chainHead?.hash) problems.push(`the report was made against chain head ${m.chainHead?.hash} (record ${m.chainHead?.seq}), not the published head ${publishedHead}: a report carries no chain proof (check the exports of the same period with since=)`);
  else if (publishedHead) notes.push(`the report's chain head equals the published head ${publishedHead}`);
  return { result: { ok: problems.length === 0, problems, notes, rows: 0, kind: m.kind }, dataSha256: documentSha256 };
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !['--head', '--public-key', '--tsa-ca'].includes(args[i - 1]));
const tsaCaIndex = args.indexOf('--tsa-ca');
const tsaCa = tsaCaIndex >= 0 ? args[tsaCaIndex + 1] : null;
if (tsaCaIndex >= 0 && !tsaCa) usage('--tsa-ca needs a FILE (the PEM of the TSA\'s CA)');
const headIndex = args.indexOf('--head');
const head = headIndex >= 0 ? args[headIndex + 1] : undefined;
const keyIndex = args.indexOf('--public-key');
if (!file) usage('FILE is required');
if (headIndex >= 0 && !/^[0-9a-f]{64}$/.test(head ?? '')) usage('--head needs a 64-character hex SHA-256');
if (keyIndex >= 0 && !args[keyIndex + 1]) usage('--public-key needs a FILE (PEM)');
try {
  statSync(file);
} catch (error) {
  usage(`cannot read ${file}: ${error.message}`);
}
const publicKey = keyIndex >= 0 ? readPublicKey(args[keyIndex + 1]) : null;
const v = verifier(head, publicKey);
let result;
let dataSha256 = null;
try {
  if (/^<!doctype html/i.test(await firstBytes(file))) {
    v.format = 'html';
    ({ result, dataSha256 } = verifyReport(readFileSync(file), head, publicKey));
  } else {
    dataSha256 = await readExport(file, v);
    result = v.finish(dataSha256);
  }
} catch (error) {
  result = { ok: false, problems: [`not a readable Ringside export: ${error.message}`], notes: [], rows: 0 };
}
if (args.includes('--json')) process.stdout.write(JSON.stringify({ file, format: v.format, dataSha256, ...result }) + '\n');
else if (result.ok) {
  process.stdout.write(v.format === 'html' ? `VERIFIED: ${file} (report, html, document SHA-256 ${dataSha256})\n` : `VERIFIED: ${file} (${result.kind}, ${v.format}, ${result.rows} rows, data SHA-256 ${dataSha256})\n`);
  for (const n of result.notes) process.stdout.write(`  ${n}\n`);
} else {
  process.stdout.write(`FAILED: ${file}\n`);
  for (const p of result.problems.slice(0, 20)) process.stdout.write(`  ${p}\n`);
  if (result.problems.length > 20) process.stdout.write(`  … and ${result.problems.length - 20} more\n`);
}
process.exit(result.ok ? 0 : 1);
