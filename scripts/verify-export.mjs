#!/usr/bin/env node
// Offline check of a Ringside export. Node's standard library only; no server needed.
//
//   node scripts/verify-export.mjs FILE [--public-key FILE] [--head HASH] [--events EVENTS-FILE] [--tsa-ca FILE] [--json]
//
// Checks, for CSV, NDJSON and JSON exports and the HTML report (docs/audit.md has the exact definitions):
//   1. the data rows hash to the manifest's dataSha256 and there are rowCount of them; a CSV line whose line end is not
//      the export's CR LF (a tool converted it) is named as that, by line, and its row read with the export's line end;
//   2. event exports: every row's event and judgement record hashes to its chain link
//      (digest = SHA-256(canonical JSON of the record), hash = SHA-256(prev + canonical {digest,kind,ref}));
//      the links of the rows plus the proof links form one unbroken chain up to the manifest's chain head;
//      audit-log and milestone exports: every row hashes to its chain link;
//      and (completeness) every event, judgement, correction or milestone link of the proven range whose tags match
//      the export's filters is one of its rows (a hidden void: the row's correction is not the chain's latest);
//   3. with --head HASH: the hash you were given (a published head, e.g. from GET /api/v1/audit/verify or a
//      previous audit report) is the export's chain head, or one of the links the export's chain proof passes
//      through (a head published after the first exported row and before the export); a head that only the
//      manifest names (no chain proof reaches it) needs a verified signature, else it is not proven: a failure;
//   4. with --public-key FILE (the PEM of GET /api/v1/audit/public-key or `main.js public-key`, or that route's
//      JSON answer): the manifest's Ed25519 signature, over its canonical JSON without the signature. The manifest
//      names the rows' SHA-256, the column names and the chain head, and the first line must repeat its fields,
//      so an edited row, column name, first line or manifest field fails. The HTML report: the SHA-256 of the
//      document before its manifest comment, and that manifest's signature;
//   5. event exports: each row's latest correction (record and link in its columns) and the `# correction` lines
//      against their links, and result, corrected_met, corrected_counted recomputed from them; each row's
//      correction_key_name against its correction's line (in no record: agreement, not proof), none without one; formula
//      and threshold against the `# standard` line of its version; compliance exports: each row's ratio, name,
//      formula, target and met_target against the version in force at its period's end (`# standard` lines);
//      audit-log exports: no entry between the exported ones is missing (the default proof lists them);
//      every standard version the rows or the manifest name, every version of those standards on the chain proof,
//      and every version below the highest present must have its `# standard` line, and the columns these checks
//      read must be there: a missing one fails, naming it, rather than leaving its check undone;
//   6. with --events EVENTS-FILE (compliance exports): EVENTS-FILE verified as above, its `# standard` lines used
//      for the compliance rows too (and held to agree with the compliance file's), then every compliance row
//      recomputed from its rows (same filters; periods in the compliance export's zone): a row that differs, is
//      missing or is extra is named;
//   7. a manifest with a trusted timestamp (RFC 3161, `timestamp.token`): the token's message imprint is SHA-256 of
//      the signed manifest (canonical JSON without `timestamp`), and the TSA's time is printed; with --tsa-ca FILE,
//      `openssl ts -verify` checks the token's signature against that CA. A missing timestamp is a note.
// A file ending with the server's error line (`# error {…}`, `{"error":…}`: an export that failed after it started)
// fails first, naming the failure and the request id the server logged it with.
// Exit code 0 = verified, 1 = verification failed, 2 = bad usage (an unknown option, a second FILE) / unreadable file,
// 3 = not proven: every check passed, but without --public-key nothing proves the file (a report; incidents and alerts
// exports, whose rows no chain link holds; a compliance export's sums) or that no row was removed from it (an events
// export, whose start only the signature binds; an audit-log export, whose start and end only the signature binds; a
// milestone export, unless its proof starts at the --head given and no row was chained before it), so it prints NOT
// PROVEN, never VERIFIED: anyone
// could have written it, or cut rows from it.
// --help (-h) prints the usage.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const sortKeys = (v) =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]))
      : v;
const canonical = (v) => JSON.stringify(sortKeys(v));
// A link written with tags (what export filters select on) commits to them too; one written before tags existed has
// none and hashes as links always did (server/src/domain/chain.ts, linkHash).
const linkHash = (prev, kind, ref, digest, tags) => sha256(prev + canonical(tags === undefined || tags === null ? { digest, kind, ref } : { digest, kind, ref, tags }));

/** The tags a row's link was written with, when it was written with tags: they are the row's own fields. */
const ROW_TAGS = {
  event: (r) => ({ occurredAtMs: r.occurred_at_ms, site: r.site, type: r.type }),
  judgement: (r) => ({ occurredAtMs: r.occurred_at_ms, site: r.site }),
  milestone: (r) => ({ atMs: r.at_ms, site: r.site }),
};

/** The tags of a record's link, from the record itself, for kinds whose records hold them (a correction's). */
const RECORD_TAGS = { correction: (rec) => ({ action: rec.action, eventSeq: rec.eventSeq }) };

/** Whether a carried record hashes to its link: with the tags the record implies (links since tags) or without. */
const recordLinkHolds = (prev, kind, ref, record, hash) => {
  const digest = sha256(canonical(record));
  return linkHash(prev, kind, ref, digest) === hash || (RECORD_TAGS[kind] !== undefined && linkHash(prev, kind, ref, digest, RECORD_TAGS[kind](record)) === hash);
};

/** Whether a row's record hashes to its link: with the tags the row implies (links since tags) or without (before). */
const rowLinkHolds = (prev, kind, ref, digest, hash, r) => linkHash(prev, kind, ref, digest, ROW_TAGS[kind](r)) === hash || linkHash(prev, kind, ref, digest) === hash;

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
const NUMERIC = new Set(['event_seq', 'occurred_at_ms', 'received_at_ms', 'rings', 'answer_seconds', 'greet_seconds', 'standard_version', 'value', 'threshold', 'met', 'counted', 'correction_seq', 'corrected_met', 'corrected_counted', 'event_link_seq', 'judgement_link_seq', 'seq', 'at_ms', 'link_seq', 'numerator', 'denominator', 'ratio', 'target', 'voided', 'amended', 'alert_id', 'duration_seconds', 'handle_seconds', 'correction_at_ms', 'correction_link_seq']);

const USAGE = 'usage: node scripts/verify-export.mjs FILE [--public-key FILE] [--head HASH] [--events EVENTS-FILE] [--tsa-ca FILE] [--json]\n';

function usage(message) {
  process.stderr.write(`verify-export: ${message}\n${USAGE}`);
  process.exit(2);
}

/** --help, -h: the usage and what each option does, on stdout; exit 0. */
function help() {
  process.stdout.write(`${USAGE}
Verifies one Ringside export (CSV, NDJSON, JSON) or audit report (HTML) offline: its rows against the manifest and
the audit chain proof it carries. docs/audit.md, "Offline export verification", says exactly what is checked.

  --public-key FILE    check the manifest's signature with this key (the PEM of \`main.js public-key\`, or the JSON
                       of GET /api/v1/audit/public-key); without it the signature is not checked
  --head HASH          a published chain head (64 hex digits) the export must reach
  --events FILE        compliance exports: an events export of the same filters, verified too, that every row is
                       recomputed from
  --tsa-ca FILE        check the trusted timestamp's signature against this CA (needs openssl)
  --json               one JSON object on stdout instead of text
  -h, --help           show this help

Exit code 0 = verified, 1 = verification failed, 2 = bad usage (an unknown option, a second FILE) or an unreadable file,
3 = not proven: every check passed, but without --public-key nothing proves the file, or that no row was removed
from it (a report, an incidents, alerts or compliance export; an events export, whose start only the signature binds;
an audit-log export, whose start and end only the signature binds; a milestone export, unless exported since= the
head given as --head, published before its rows were chained; NOT PROVEN).
`);
  process.exit(0);
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
    return { item: { comment: text.slice(i, end).replace(/\r*\n$/, ''), raw: text.slice(i, end) }, next: end };
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

/** Lines of a file ('\n'-separated, without the '\n'); `state.cut` is set before a last line without a line end. */
async function* lines(file, state = {}) {
  let carry = '';
  for await (const chunk of chunks(file)) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop();
    yield* parts;
  }
  if (carry !== '') {
    state.cut = true;
    yield carry;
  }
}

/**
 * A file that ends inside a line it cannot read (a download or copy cut short) is a truncated export, said as such
 * rather than as the JSON parser's complaint about the cut line.
 */
class Truncated extends Error {
  constructor(what) {
    super(`no trailing manifest: the export is truncated (it ends in the middle of ${what})`);
  }
}
const truncatedOr = (error) => (error instanceof Truncated ? error.message : `not a readable Ringside export: ${error.message}`);

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

// ---------------------------------------------------------------------------------------------- line ends
// A CSV export ends every line with CR LF, and dataSha256 covers the data records' bytes, line ends included. A tool
// that converts line ends changes those bytes without changing a value: LF to CR LF on a file already in CR LF gives
// CR CR LF (the extra CR lands in the last cell, where it read as a changed correction column), and a conversion to
// Unix gives LF. Either is named as what it is, by line, and the rows are read with the export's line ends, so the
// checks of their values say nothing about it; the file still fails, since the bytes the manifest hashes changed.

/** How many CRs come before a line's LF; -1 when it has none (the file's last line, without a line end). */
const crsBeforeLf = (raw) => (raw.endsWith('\n') ? /\r*\n$/.exec(raw)[0].length - 1 : -1);
/** A line end in words: 'CR LF' (the export's), 'LF', 'CR CR LF'. */
const lineEndName = (crs) => `${'CR '.repeat(crs)}LF`;
const EXPORT_CRS = 1;

/**
 * The line ends of a CSV export, each line's as it is read: the data rows whose line end is not the export's, in runs
 * of the same line end (said before anything else: they explain the data hash), or one sentence when every line of
 * the file has the same other line end (the whole file was converted).
 */
function lineEnds() {
  const runs = []; // {crs, lines: [first, last], rows: [first, last]}: data rows whose line end changed
  const ends = new Set(); // the line ends seen, as CRs before the LF
  let more = false;
  const cause = (crs) => (crs === 0 ? 'converted to LF line ends, as a Unix tool or an editor set to LF does' : 'an extra CR before the LF, as a tool converting LF to CR LF writes on a file whose lines already end in CR LF');
  const span = (a, b, one) => (a === b ? `${one} ${a}` : `${one}s ${a}–${b}`);
  const bytes = (whose, its) => `${whose} bytes changed (not ${its} values, which were read with the export's line ends), so the data rows do not hash to the manifest's dataSha256`;
  return {
    /** A line's end (`line`: its number in the file, `crs`: CRs before its LF); `row`: the data row it ends, if any. */
    seen(line, crs, row) {
      if (crs < 0) return;
      ends.add(crs);
      if (row === undefined || crs === EXPORT_CRS) return;
      const last = runs.at(-1);
      if (last && last.crs === crs && last.rows[1] === row - 1) (last.lines[1] = line), (last.rows[1] = row);
      else if (runs.length < MAX_LINE_END_RUNS) runs.push({ crs, lines: [line, line], rows: [row, row] });
      else more = true;
    },
    problems() {
      if (runs.length === 0) return [];
      const expected = `where the export wrote ${lineEndName(EXPORT_CRS)}`;
      if (ends.size === 1) return [`every line ends with ${lineEndName(runs[0].crs)} ${expected} (${cause(runs[0].crs)}): the whole file was converted: ${bytes("the data rows'", 'their')}`];
      const out = runs.map((r) => `${span(r.lines[0], r.lines[1], 'line')} (${span(r.rows[0], r.rows[1], 'data row')}) ${r.lines[0] === r.lines[1] ? 'ends' : 'end'} with ${lineEndName(r.crs)} ${expected} (${cause(r.crs)}): ${r.lines[0] === r.lines[1] ? bytes('its', 'its') : bytes('their', 'their')}`);
      if (more) out.push(`… and more data rows after line ${runs.at(-1).lines[1]} whose line end is not ${lineEndName(EXPORT_CRS)}`);
      return out;
    },
  };
}
const MAX_LINE_END_RUNS = 20;

/** Feeds header, rows, links and the manifest of an export to `v`; the data hash is computed on the way. */
async function readExport(file, v) {
  const hash = createHash('sha256');
  const start = await firstBytes(file);
  if (start.startsWith('# ringside-export ')) {
    v.format = 'csv';
    let columns = null;
    let buffer = '';
    let seenTrailer = false;
    let line = 1; // the file's line the next item starts on
    let rowNumber = 0;
    // The data rows' SHA-256 with the export's line ends: begun when a changed line end is first seen (until then it
    // is the data hash itself), so an intact file hashes its rows once.
    let asWritten = null;
    const take = (eof) => {
      let i = 0;
      for (;;) {
        if (i >= buffer.length) break;
        const got = nextCsvItem(buffer, i, eof);
        if (!got) break;
        i = got.next;
        const { item } = got;
        const crs = crsBeforeLf(item.raw);
        for (let at = item.raw.indexOf('\n'); at >= 0; at = item.raw.indexOf('\n', at + 1)) line += 1;
        if (item.comment !== undefined) {
          v.lineEnds.seen(line - 1, crs);
          // Only the file's last item can lack its line end: the file was cut there.
          const parsed = (text) => {
            try {
              return JSON.parse(text);
            } catch (error) {
              throw item.raw.endsWith('\n') ? error : new Truncated(`its last line, ${item.comment.slice(0, 12)}…`);
            }
          };
          if (item.comment.startsWith('# ringside-export ')) v.header(parsed(item.comment.slice(18)));
          else if (item.comment.startsWith('# link ')) (seenTrailer = true), v.link(parsed(item.comment.slice(7)));
          else if (item.comment.startsWith('# manifest ')) (seenTrailer = true), v.manifest(parsed(item.comment.slice(11)));
          else if (item.comment.startsWith('# error ')) v.failed(parsed(item.comment.slice(8)));
          else if (/^# (correction|standard) /.test(item.comment)) {
            seenTrailer = true;
            const space = item.comment.indexOf(' ', 2);
            v.record(item.comment.slice(2, space), parsed(item.comment.slice(space + 1)));
          }
          continue;
        }
        // CRs before the LF beyond the export's one are no part of the last cell: the export quotes a cell holding a CR.
        if (crs > EXPORT_CRS) item.fields[item.fields.length - 1] = item.fields.at(-1).slice(0, EXPORT_CRS - crs);
        if (item.fields.length === 1 && item.fields[0] === '' && item.raw.trim() === '') continue;
        if (!columns) {
          v.lineEnds.seen(line - 1, crs);
          columns = item.fields;
          v.columns(columns);
          continue;
        }
        if (seenTrailer) throw new Error('a data row after the trailing # lines');
        rowNumber += 1;
        v.lineEnds.seen(line - 1, crs, rowNumber);
        if (asWritten === null && crs >= 0 && crs !== EXPORT_CRS) asWritten = hash.copy();
        asWritten?.update(crs < 0 ? item.raw : item.raw.replace(/\r*\n$/, '\r\n'), 'utf8');
        hash.update(item.raw, 'utf8');
        const row = {};
        columns.forEach((name, k) => {
          const cell = item.fields[k] ?? '';
          row[name] = cell === '' ? null : NUMERIC.has(name) && /^-?\d/.test(cell) ? Number(cell) : unneutralise(cell);
        });
        // A cell removed or added (an edit that shifted the columns) puts every value after it under another column.
        v.row(row, item.fields.length === columns.length ? undefined : { line: line - 1, found: item.fields.length, expected: columns.length });
      }
      buffer = buffer.slice(i);
    };
    for await (const chunk of chunks(file)) {
      buffer += chunk;
      take(false);
    }
    take(true);
    v.dataSha256AsWritten = asWritten?.digest('hex') ?? null;
    return hash.digest('hex');
  }
  if (start.startsWith('{"export":')) {
    let mode = 'start';
    const state = {};
    for await (const raw of lines(file, state)) {
      try {
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
          else if (keys.length === 1 && keys[0] === 'error') v.failed(value.error);
          else if (keys.length === 1 && (keys[0] === 'correction' || keys[0] === 'standard')) v.record(keys[0], value[keys[0]]);
          else {
            hash.update(line + '\n', 'utf8');
            v.row(value);
          }
          continue;
        }
        // JSON, as the server lays it out: {"export":…,\n"rows":[\nrow,\nrow\n],\n"links":[\nlink,\n…],\n"manifest":{…}}
        if (line.startsWith('"error":')) v.failed(JSON.parse(line.slice(8)));
        else if (line === '"rows":[' || line === '"links":[') mode = line === '"rows":[' ? 'json-rows' : 'json-links';
        else if (line === '],' || line === ']') mode = 'json';
        else if (line === '"links":[],') mode = 'json';
        else if (line === '"records":[' || line === '"records":[],') mode = line.endsWith(',') ? 'json' : 'json-records';
        else if (mode === 'json-records') {
          const value = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
          const name = Object.keys(value)[0];
          v.record(name, value[name]);
        }
        else if (line.startsWith('"manifest":')) v.manifest(JSON.parse(line.slice(11, -1)));
        else if (line.startsWith('"rows":[') || line.startsWith('"links":[')) throw new Error('not laid out as Ringside writes JSON exports (one row per line)');
        else if (mode === 'json-rows') {
          const row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
          hash.update(JSON.stringify(row) + '\n', 'utf8');
          v.row(row);
        } else if (mode === 'json-links') v.link(JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line));
        else throw new Error(`unexpected line in a JSON export: ${line.slice(0, 40)}`);
      } catch (error) {
        // Only the last line can lack its line end: the file was cut there.
        throw state.cut && !(error instanceof Truncated) ? new Truncated(`its last line, ${raw.slice(0, 12)}…`) : error;
      }
    }
    return hash.digest('hex');
  }
  const refusal = refusalIn(file, start);
  if (refusal) throw new Error(refusal);
  throw new Error('the file does not start like a Ringside export ("# ringside-export" or {"export":…})');
}

/**
 * A file holding the server's problem+json answer instead of an export: `curl -o FILE` saves whatever the server
 * answers, a 400 for a bad parameter or a 429 while the key runs two exports as well, under the name the export was
 * meant to have. Said as that answer, with its status and words, rather than as a file that is no export.
 */
function refusalIn(file, start) {
  if (!start.startsWith('{"type":')) return null;
  let problem;
  try {
    if (statSync(file).size > 1 << 20) return null;
    problem = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof problem?.status !== 'number' || typeof problem.title !== 'string') return null;
  const said = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  return `the file holds the server's answer refusing the request (HTTP ${problem.status} ${problem.title}${said}), saved in place of the export, so nothing was exported: do what the answer says and export again (curl -f exits with an error instead of saving such an answer)`;
}

/**
 * A published head none of the file's links has. The file carries the chain from its proof's first link to its own
 * head, so the head is one recorded after the export was made (an auditor's most common slip: every export moves the
 * head by its own audit-log entry), one from before the proof, or one the chain no longer passes through; the hash
 * alone does not say which, so each is said with what to do.
 */
function headNotCarried(m, base, publishedHead) {
  const since = m.kind === 'events' ? '' : ' and since=<its seq>';
  const links = base >= 0 && base < m.chainHead.seq ? `links ${base}–${m.chainHead.seq}` : `link ${m.chainHead.seq}`;
  return (
    `the export was made against chain head ${m.chainHead.hash} (record ${m.chainHead.seq}), and none of the chain links it carries (${links}) is the published head ${publishedHead}: ` +
    `a head recorded after the export was made (after link ${m.chainHead.seq}; each export moves the head by its own audit-log entry) is beyond it: verify against the head recorded before exporting, or export again with asOf=<the head's seq>${since}; ` +
    `a head recorded before ${base >= 0 ? `link ${base}` : 'the export'} is before what it proves: compare with a head published after the exported period${m.kind === 'events' ? '' : ' (and export with since=<its seq>)'}; ` +
    `any other would mean the chain no longer passes through it: ask the server's /api/v1/audit/verify`
  );
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

// ---------------------------------------------------------------------------------- the corrected view, proven
// Rows of an event export carry the chained record of their event's latest correction and its link; `# correction`
// lines carry every correction of the exported events and `# standard` lines every version of the standards the rows
// name (compliance exports: of its rows' standards), each {record, link: {seq, prev, hash}}. What follows checks
// them against their links (and the links against the chain proof), recomputes the corrected view with the rule of
// server/src/domain/corrections.ts (correctedVerdict), and a row's formula and threshold against its version.

/** correctedVerdict of server/src/domain/corrections.ts, repeated (test/unit/correctedView.test.ts). */
function correctedVerdict(standardId, recorded, latest) {
  if (latest?.action === 'void') return { result: 'voided', met: standardId === null ? null : 0, counted: standardId === null ? null : 0 };
  let { met, counted } = recorded;
  if (latest?.action === 'amend' && standardId !== null) {
    const j = latest.rejudged[standardId];
    met = j?.met ?? met;
    counted = j?.counted ?? counted;
  }
  const result = counted === null ? null : counted === 0 ? 'not-counted' : met === 1 ? 'met' : 'missed';
  return { result, met, counted };
}

/**
 * A row's measure_source as the export writes it (services/exports/events.ts): `derived` when the judged measure is
 * one the event's chained `derived` names, else `measured`; none without a judgement. Both come from chained records,
 * so the column is checked rather than taken on the file's word.
 */
function measureSourceOf(r) {
  if (r.measure === null || r.measure === undefined) return null;
  let derived;
  try {
    derived = JSON.parse(r.derived ?? '[]');
  } catch {
    derived = [];
  }
  return Array.isArray(derived) && derived.includes(r.measure) ? 'derived' : 'measured';
}

/** The correction record (server/src/domain/chain.ts, kind correction) a row's correction columns stand for. */
function correctionRecord(r) {
  return { seq: r.correction_seq, eventSeq: r.event_seq, action: r.correction, changes: r.correction_changes, rejudged: r.correction_rejudged, reason: r.correction_reason, keyId: r.correction_key_id, atMs: r.correction_at_ms };
}

const CORRECTION_COLUMNS = ['correction_seq', 'correction', 'correction_changes', 'correction_rejudged', 'correction_reason', 'correction_key_id', 'correction_at_ms', 'correction_link_seq', 'correction_link_prev', 'correction_link_hash'];

/** A standard version's definition as the exports read it: fields missing from old versions have their defaults. */
function definitionOf(record) {
  let d = {};
  try {
    d = JSON.parse(record.definition) ?? {};
  } catch {
    // a record that does not parse fails its link check anyway
  }
  return { name: typeof d.name === 'string' ? d.name : record.id, formula: typeof d.formula === 'string' ? d.formula : 'F3', target: Number(d.target ?? 0), threshold: d.threshold };
}

/**
 * The checks of chained records beside the rows, for one file. `problem` adds a problem; `proofAt(seq)` is the
 * verified proof's hash at a link (and its predecessor's), or null outside the proof.
 */
function provenChecks(problem, notes, absent, cause, chainedCorrections) {
  const standards = standardRecords(problem, absent);
  const rowCorrections = new Map(); // event seq -> {seq, digest, where}
  const lineCorrections = new Map(); // event seq -> latest correction seq among the lines
  const correctionDigests = new Map(); // correction seq -> digest (lines)
  const correctionLines = new Set(); // correction seqs a line names, whether or not it holds to its link
  const correctionKeyNames = new Map(); // correction seq -> the key name its line gives (lines that hold to their link)
  let correctionColumns = false; // whether the rows have the correction columns (a release before them had no lines)
  const usedVersions = new Map(); // "id@version" -> {formula, threshold, where}
  const links = []; // {seq, prev, hash, what}
  let kind = null;

  function ownLink(rec, linkKind, ref, what) {
    const l = rec.link;
    if (!l || typeof l.seq !== 'number') return problem(`${what}: no chain link`), false;
    if (!recordLinkHolds(l.prev, linkKind, ref, rec.record, l.hash)) return problem(`${what}: the record does not hash to its chain link ${l.seq} (it was altered)`), false;
    links.push({ seq: l.seq, prev: l.prev, hash: l.hash, what });
    return true;
  }

  return {
    setKind(k) {
      kind = k;
    },
    record(name, value) {
      const rec = value?.record ?? {};
      if (name === 'standard') {
        const ref = `${rec.id}@${rec.version}`;
        if (!ownLink(value, 'standard', ref, `standard ${ref} (# standard line)`)) return standards.broken(ref);
        standards.add(ref, value, null);
      } else if (name === 'correction') {
        const what = `correction ${rec.seq} of event seq ${rec.eventSeq} (# correction line)`;
        correctionLines.add(rec.seq);
        if (!ownLink(value, 'correction', String(rec.seq), what)) return;
        correctionDigests.set(rec.seq, sha256(canonical(rec)));
        correctionKeyNames.set(rec.seq, value.keyName ?? null);
        if ((lineCorrections.get(rec.eventSeq) ?? -1) < rec.seq) lineCorrections.set(rec.eventSeq, rec.seq);
      }
    },
    /** An event row's standard version: noted, so its formula and threshold are checked against its record. */
    versionRow(r, where) {
      if (r.standard_id === null || r.standard_id === undefined) return;
      const key = `${r.standard_id}@${r.standard_version}`;
      standards.need(key, `judged ${where}`);
      if (!usedVersions.has(key)) usedVersions.set(key, { formula: r.formula, threshold: r.threshold, where });
      else {
        const u = usedVersions.get(key);
        if (u.formula !== r.formula || u.threshold !== r.threshold) problem(`${where}: formula ${r.formula} / threshold ${r.threshold} differ from ${u.where}'s for the same version ${key}`);
      }
    },
    /** A compliance row's standard and the versions that judged it: their records must be in the file. */
    complianceRow(r, where) {
      if (r.standard_id === null || r.standard_id === undefined) return;
      standards.name(r.standard_id, where);
      for (const version of String(r.versions ?? '').split(' ').filter(Boolean)) standards.need(`${r.standard_id}@${version}`, `in the versions of ${where}`);
    },
    /** An event row: its correction against its link, the corrected view recomputed. */
    eventRow(r, where) {
      correctionColumns = true;
      let latest = null;
      if (r.correction_seq === null || r.correction_seq === undefined) {
        // The key name is no record's, but a row naming who corrected what nobody corrected misleads all the same.
        const stray = [...CORRECTION_COLUMNS, 'correction_key_name'].find((c) => r[c] !== null && r[c] !== undefined);
        if (stray) problem(`${where}: ${stray} is set but the row names no correction`);
      } else {
        const record = correctionRecord(r);
        const digest = sha256(canonical(record));
        if (!recordLinkHolds(r.correction_link_prev, 'correction', String(r.correction_seq), record, r.correction_link_hash)) {
          problem(`${where}: the correction record ${r.correction_seq} does not hash to its chain link ${r.correction_link_seq} (the row was altered)`);
        } else links.push({ seq: r.correction_link_seq, prev: r.correction_link_prev, hash: r.correction_link_hash, what: `${where}: correction ${r.correction_seq}` });
        const seen = rowCorrections.get(r.event_seq);
        if (seen && seen.seq !== r.correction_seq) problem(`${where}: correction ${r.correction_seq}, but ${seen.where} of the same event shows correction ${seen.seq}`);
        else if (!seen) rowCorrections.set(r.event_seq, { seq: r.correction_seq, digest, where, keyNames: new Map() });
        // Each key name the event's rows give, with the first row giving it: checked against the line at the end.
        const shows = rowCorrections.get(r.event_seq);
        if (shows.seq === r.correction_seq && 'correction_key_name' in r && !shows.keyNames.has(r.correction_key_name ?? null)) shows.keyNames.set(r.correction_key_name ?? null, where);
        let rejudged = {};
        try {
          rejudged = r.correction === 'amend' ? JSON.parse(r.correction_rejudged) : {};
        } catch {
          problem(`${where}: correction_rejudged is not JSON`);
        }
        latest = { action: r.correction, rejudged };
      }
      const v = correctedVerdict(r.standard_id ?? null, { met: r.met ?? null, counted: r.counted ?? null }, latest);
      for (const [column, value] of [['result', v.result], ['corrected_met', v.met], ['corrected_counted', v.counted]]) {
        if ((r[column] ?? null) !== value) problem(`${where}: ${column} is ${r[column] ?? '(empty)'}, but its judgement and correction give ${value ?? '(empty)'}`);
      }
    },
    /** A chained record's link, checked against the proof at the end (audit-log and milestone rows). */
    link(seq, prev, hash, what) {
      if (seq !== null && seq !== undefined) links.push({ seq, prev, hash, what });
    },
    /** A proof line: a standard's link on it is a version chained in the proven range. */
    proofLink(l) {
      if (l.kind === 'standard') standards.chained(l.seq, l.ref);
    },
    /** The version records of a standard, in chain order (for the compliance checks). */
    versionsOf: (id) => standards.versionsOf(id),
    /** The verified `# standard` lines, for a compliance export verified with this events export (--events). */
    standardLines: () => standards.lines(),
    /** The events export's `# standard` lines chained up to this export's head: used, and held to agree with ours. */
    adoptStandards(lines, from, headSeq) {
      for (const value of lines) {
        if (value.link.seq > headSeq) continue; // chained after this export's head: not a version of its time
        const ref = `${value.record.id}@${value.record.version}`;
        if (standards.add(ref, value, from)) links.push({ seq: value.link.seq, prev: value.link.prev, hash: value.link.hash, what: `standard ${ref} (# standard line of ${from})` });
      }
    },
    finish(proofAt, m) {
      for (const l of links) {
        const at = proofAt(l.seq);
        if (at === null) continue;
        if (at.hash !== l.hash || (at.prev !== null && at.prev !== l.prev)) problem(`${l.what}: its link ${l.seq} is not the chain proof's link ${l.seq}`);
      }
      if (kind !== 'events' && kind !== 'compliance') return;
      for (const ref of m?.standardVersions ?? []) standards.need(ref, "named by the manifest's standardVersions");
      for (const ref of usedVersions.keys()) standards.name(ref.slice(0, ref.lastIndexOf('@')), usedVersions.get(ref).where);
      standards.finish(kind === 'events' ? 'its formula and threshold cannot be checked' : "the rows' name, formula, target and met_target cannot be checked against it", notes);
      if (kind === 'events') finishEvents();
    },
  };

  /**
   * Every correction of an exported event is a `# correction` line: the one its rows show, and each one the chain proof
   * holds a link of (tagged with the event). A removed line is a root cause, said before what follows from it.
   */
  function removedCorrectionLines() {
    const removed = new Set();
    const named = (seq, eventSeq, how) => {
      if (correctionLines.has(seq) || removed.has(seq)) return;
      removed.add(seq);
      cause(`correction ${seq} of event seq ${eventSeq} has no # correction line, but ${how}: the line was removed (every correction of an exported event has one)`);
    };
    for (const [eventSeq, c] of rowCorrections) named(c.seq, eventSeq, `${c.where} shows it`);
    if (!correctionColumns) return;
    for (const [eventSeq, seq, linkSeq] of chainedCorrections() ?? []) named(seq, eventSeq, `the export's chain proof holds its link ${linkSeq}`);
  }

  /**
   * The key name a row gives for its correction is in no chained record (only the key id is), so no link proves it;
   * it must at least be the one the export gave the same correction in its # correction line, as every row of the
   * event must (a row naming another corrector is named).
   */
  function keyNameChecks(c) {
    if (!correctionKeyNames.has(c.seq)) return;
    const said = correctionKeyNames.get(c.seq);
    const shown = (name) => (name === null ? '(empty)' : JSON.stringify(name));
    for (const [name, where] of c.keyNames) {
      if (name !== said) problem(`${where}: correction_key_name is ${shown(name)}, but the # correction line of correction ${c.seq} names key ${shown(said)} (the key name is in no chained record: the row or the line was edited)`);
    }
  }

  function finishEvents() {
    removedCorrectionLines();
    for (const [eventSeq, c] of rowCorrections) {
      const latest = lineCorrections.get(eventSeq);
      if (!correctionLines.has(c.seq) || latest === undefined) continue; // its line removed (above), or not holding to its link (named)
      if (latest > c.seq) problem(`${c.where}: shows correction ${c.seq}, but correction ${latest} of the same event is later (the rows must show the latest)`);
      else if (correctionDigests.get(c.seq) !== c.digest) problem(`${c.where}: correction ${c.seq} differs from its # correction line`);
      else keyNameChecks(c);
    }
    for (const [eventSeq, seq] of lineCorrections) {
      if (!rowCorrections.has(eventSeq)) problem(`correction ${seq} of event seq ${eventSeq} is in the export, but no row of that event shows a correction (a void or amendment was hidden)`);
    }
    let checked = 0;
    for (const [key, u] of usedVersions) {
      const at = key.lastIndexOf('@');
      const version = standards.versionsOf(key.slice(0, at)).find((s) => s.version === Number(key.slice(at + 1)));
      if (!version) continue; // named by standards.finish: the line is missing
      checked += 1;
      if (u.formula !== version.def.formula) problem(`${u.where}: formula ${u.formula}, but version ${key} has formula ${version.def.formula}`);
      if (typeof version.def.threshold === 'number' && u.threshold !== version.def.threshold) problem(`${u.where}: threshold ${u.threshold}, but version ${key} has threshold ${version.def.threshold}`);
    }
    if (rowCorrections.size > 0 || lineCorrections.size > 0) notes.push(`corrected view recomputed from ${correctionDigests.size} chained correction records`);
    if (rowCorrections.size > 0 && chainedCorrections() === null) notes.push('that every earlier correction of an exported event has its # correction line is not proven without proof links (proof=none)');
    if (checked > 0) notes.push(`formula and threshold of ${checked} standard versions checked against their chained records`);
  }
}

/**
 * The `# standard` records of an export and what it needs of them. Every version the rows or the manifest name must
 * have its record, and so must every version of a named standard chained on the export's proof and every version
 * below the highest one present (a standard's versions are numbered from 1): a check against a missing record would
 * otherwise not happen, so a missing one is a problem naming it, never a skipped check.
 */
function standardRecords(problem, absent) {
  const byId = new Map(); // id -> [{version, validFromMs, def}] in chain order
  const lines = new Map(); // "id@version" -> the verified line {record, link}
  const broken = new Set(); // refs whose line failed its own link (named already)
  const needed = new Map(); // "id@version" -> why the export needs it
  const named = new Map(); // standard id -> where the export names it
  const onProof = []; // {seq, ref}: standard links among the proof lines
  let adopted = 0;
  const idOf = (ref) => ref.slice(0, ref.lastIndexOf('@'));
  return {
    broken: (ref) => void broken.add(ref),
    name: (id, where) => void (named.has(id) || named.set(id, where)),
    need(ref, why) {
      if (!needed.has(ref)) needed.set(ref, why);
      this.name(idOf(ref), why);
    },
    chained: (seq, ref) => void onProof.push({ seq, ref }),
    versionsOf: (id) => byId.get(id) ?? [],
    lines: () => [...lines.values()],
    /** A verified record; one already here must be the same record with the same link. Whether it is new. */
    add(ref, value, from) {
      const known = lines.get(ref);
      if (known) {
        if (canonical(known) !== canonical({ record: value.record, link: value.link })) problem(`standard ${ref}: the # standard line ${from ? `of ${from} ` : 'repeated '}differs from this file's (record or link)`);
        return false;
      }
      lines.set(ref, { record: value.record, link: value.link });
      const rec = value.record;
      if (!byId.has(rec.id)) byId.set(rec.id, []);
      byId.get(rec.id).push({ version: rec.version, validFromMs: rec.validFromMs, def: definitionOf(rec) });
      if (from) adopted += 1;
      return true;
    },
    finish(consequence, notes) {
      const missing = new Map(needed); // ref -> why
      for (const [id, where] of named) {
        const have = (byId.get(id) ?? []).map((s) => s.version).sort((a, b) => a - b);
        if (have.length === 0 && ![...needed.keys()].some((ref) => idOf(ref) === id)) absent('standards', `standard ${id} (${where}) has no # standard line: ${consequence}`);
        for (let v = 1; v < (have.at(-1) ?? 0); v += 1) {
          const below = have.filter((h) => h < v).at(-1);
          const above = have.find((h) => h > v);
          if (!missing.has(`${id}@${v}`)) missing.set(`${id}@${v}`, below === undefined ? `below version ${above}` : `between versions ${below} and ${above}`);
        }
      }
      for (const { seq, ref } of onProof) {
        if (named.has(idOf(ref)) && !lines.has(ref) && !broken.has(ref) && !missing.has(ref)) absent('standards', `standard ${ref} is chained at link ${seq} of the export's chain proof, but has no # standard line: ${consequence}`);
      }
      for (const [ref, why] of missing) if (!lines.has(ref) && !broken.has(ref)) absent('standards', `standard version ${ref} (${why}) has no # standard line: ${consequence}`);
      if (adopted > 0) notes.push(`${adopted} standard version records not in this file taken from the events export's # standard lines`);
    },
  };
}

/** Audit-log exports: a proof link of an audit entry between the first and last exported entries must be a row. */
function auditRowsCheck(problem) {
  const rowSeqs = new Set();
  const proofSeqs = [];
  return {
    // Entries logged after the range that affect it follow the range's (`included` says why): the gap before them
    // is the entries that do not, so only the range's own rows bound the check.
    row: (r) => void ((r.included ?? 'in range') === 'in range' && rowSeqs.add(r.seq)),
    link: (l) => void (l.kind === 'audit' && proofSeqs.push(Number(l.ref))),
    finish() {
      if (rowSeqs.size === 0) return;
      let lo = Infinity;
      let hi = -Infinity;
      for (const s of rowSeqs) (lo = Math.min(lo, s)), (hi = Math.max(hi, s));
      for (const s of proofSeqs) if (s > lo && s < hi && !rowSeqs.has(s)) problem(`audit entry ${s} is in the chain proof between exported entries ${lo} and ${hi}, but has no row (an entry was deleted)`);
    },
  };
}

// ------------------------------------------------------------------------------------------ compliance rows
// docs/audit.md "Compliance export": per period (in the export's zone, clipped to [from, to)) × site × standard,
// numerator Σmet and denominator Σcounted of the corrected view, ratio, the version in force at the period's end
// (its name, formula, target, met_target), versions, voided, amended. Zone arithmetic with Intl, as
// server/src/domain/zonedTime.ts and the compliance export's periodBounds do it.

const dayFormats = new Map();
/** The local date (YYYY-MM-DD) of an instant in a zone. */
function localDate(ms, zone) {
  let f = dayFormats.get(zone);
  if (!f) dayFormats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year.padStart(4, '0')}-${p.month}-${p.day}`;
}

/** A calendar date `days` after `date` (YYYY-MM-DD), and its weekday (0 = Monday). */
const addDays = (date, days) => new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + days)).toISOString().slice(0, 10);
const weekdayOf = (date) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

/** The first instant whose local date in `zone` is `date` or later (the local day's start). */
function localStart(date, zone) {
  let lo = Date.parse(`${date}T00:00:00Z`) - 36 * 3_600_000;
  let hi = lo + 72 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, zone) >= date) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The period (label, first local date, first local date of the next) an instant is in. */
function periodOf(ms, zone, period) {
  const date = localDate(ms, zone);
  if (period === 'month') {
    const first = `${date.slice(0, 7)}-01`;
    const next = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)), 1)).toISOString().slice(0, 10);
    return { label: date.slice(0, 7), first, next };
  }
  if (period === 'week') {
    const monday = addDays(date, -weekdayOf(date));
    return { label: `week of ${monday}`, first: monday, next: addDays(monday, 7) };
  }
  return { label: date, first: date, next: addDays(date, 1) };
}

/** Sums of an events export per period × site × standard, as the compliance export makes them. */
function complianceSums(zone, period, standards) {
  const sums = new Map();
  const bounds = new Map(); // label -> {first, next}
  const wanted = new Set(standards ?? []);
  return {
    sums,
    bounds,
    row(r) {
      if (r.standard_id === null || r.standard_id === undefined || (wanted.size > 0 && !wanted.has(r.standard_id))) return;
      const p = periodOf(r.occurred_at_ms, zone, period);
      bounds.set(p.label, p);
      const key = `${p.label}\u0000${r.site}\u0000${r.standard_id}`;
      let s = sums.get(key);
      if (!s) sums.set(key, (s = { period: p.label, site: r.site, standardId: r.standard_id, numerator: 0, denominator: 0, versions: new Set(), voided: 0, amended: 0 }));
      s.numerator += r.corrected_met ?? 0;
      s.denominator += r.corrected_counted ?? 0;
      s.versions.add(r.standard_version);
      if (r.correction === 'void') s.voided += 1;
      if (r.correction === 'amend') s.amended += 1;
    },
  };
}

/** The version in force at `atMs` (bodies.ts versionAt): the last valid before it, else the first. */
function versionAt(versions, atMs) {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  let found;
  for (const v of sorted) if (v.validFromMs === null || v.validFromMs < atMs) found = v;
  return found ?? sorted[0];
}

const rowName = (i, r) => `row ${i} (${r.period}, ${r.site}, ${r.standard_id})`;

/**
 * A compliance row's numerator or denominator as a count: an empty or absent cell is no figure, nothing counted (0;
 * the export writes 0 there), read so by every check of the row; anything but a whole number ≥ 0 is no count (null).
 */
function countIn(r, column) {
  const value = r[column] ?? 0;
  return Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * Each compliance row against the standard versions of its # standard lines: name, formula, target, ratio, met_target.
 * A standard without lines is named by the standard records' check; its rows are not checked again.
 */
function checkComplianceRow(i, r, proven, problem) {
  const numerator = countIn(r, 'numerator');
  const denominator = countIn(r, 'denominator');
  for (const [column, count] of [['numerator', numerator], ['denominator', denominator]]) {
    if (count === null) problem(`${rowName(i, r)}: ${column} is ${r[column]}, not a count of judgements (a whole number, or empty for none)`);
  }
  // Without both counts there is no ratio to hold the row's ratio and met_target to (named above).
  const counted = numerator !== null && denominator !== null;
  const ratio = counted && denominator > 0 ? numerator / denominator : null;
  const shown = (column) => r[column] ?? '(empty)';
  if (counted && (r.ratio ?? null) !== ratio) problem(`${rowName(i, r)}: ratio ${shown('ratio')}, but ${shown('numerator')}/${shown('denominator')} is ${ratio ?? '(empty): nothing counted'}`);
  const versions = proven.versionsOf(r.standard_id);
  if (versions.length === 0) return false;
  const v = versionAt(versions, Date.parse(r.period_end));
  const expected = { standard_name: v.def.name, formula: v.def.formula, target: v.def.target, ...(counted ? { met_target: ratio === null ? 'n/a' : ratio >= v.def.target ? 'yes' : 'no' } : {}) };
  for (const [column, value] of Object.entries(expected)) {
    if (r[column] !== value) problem(`${rowName(i, r)}: ${column} is ${r[column] ?? '(empty)'}, but version ${r.standard_id}@${v.version} in force at the period's end gives ${value}`);
  }
  return true;
}

/** The compliance rows recomputed from a verified events export: every row that differs, is missing or is extra. */
function recomputeCompliance(header, rows, events, problem, notes) {
  const { sums, bounds } = events;
  const from = Date.parse(header.filters.from);
  const to = Date.parse(header.filters.to);
  const iso = (ms) => new Date(ms).toISOString();
  const seen = new Set();
  rows.forEach((r, k) => {
    const i = k + 1;
    const key = `${r.period}\u0000${r.site}\u0000${r.standard_id}`;
    seen.add(key);
    const s = sums.get(key);
    if (!s) return problem(`${rowName(i, r)}: no judgement of the events export is in it (the row is not in the events)`);
    const b = bounds.get(r.period);
    const expected = {
      period_start: iso(Math.max(localStart(b.first, header.timeZone), from)),
      period_end: iso(Math.min(localStart(b.next, header.timeZone), to)),
      time_zone: header.timeZone,
      numerator: s.numerator,
      denominator: s.denominator,
      versions: [...s.versions].sort((a, c) => a - c).join(' '),
      voided: s.voided,
      amended: s.amended,
    };
    for (const [column, value] of Object.entries(expected)) {
      const found = column === 'numerator' || column === 'denominator' ? countIn(r, column) : r[column];
      if (String(found ?? '') !== String(value)) problem(`${rowName(i, r)}: ${column} is ${r[column] ?? '(empty)'}, but the events give ${value}`);
    }
  });
  for (const [key, s] of sums) {
    if (!seen.has(key)) problem(`missing row: ${s.period}, ${s.site}, ${s.standardId} (the events give numerator ${s.numerator}, denominator ${s.denominator})`);
  }
  notes.push(`${rows.length} rows recomputed from the events export (${sums.size} period × site × standard sums)`);
}

/** UTF-8 byte order, as the store sorts text. */
const utf8Order = (a, b) => Buffer.compare(Buffer.from(a ?? '', 'utf8'), Buffer.from(b ?? '', 'utf8'));

/**
 * The order rows are written in, as a sort key compared with the row before: events by event seq then standard,
 * the audit log by seq, compliance rows by period start, site, standard. A reordered file is named at its first
 * row out of place.
 */
function orderCheck(kind, problem) {
  let prev = null;
  const compare = {
    events: (a, b) => a.event_seq - b.event_seq || utf8Order(a.standard_id, b.standard_id),
    'audit-log': (a, b) => a.seq - b.seq,
    milestones: (a, b) => a.seq - b.seq,
    compliance: (a, b) => utf8Order(a.period_start, b.period_start) || utf8Order(a.site, b.site) || utf8Order(a.standard_id, b.standard_id),
  }[kind];
  const key = { events: 'event_seq', 'audit-log': 'seq', milestones: 'seq', compliance: 'period_start' }[kind];
  return (r, where) => {
    if (!compare || !(key in r)) return; // a file without the columns the order is kept by
    if (prev !== null && compare(prev, r) >= 0) problem(`${where}: out of order (the rows were reordered, or one repeated): the export writes them sorted by ${kind === 'events' ? 'event seq, then standard' : kind === 'compliance' ? 'period, site, standard' : 'seq'}`);
    prev = r;
  };
}

/**
 * Adds the checks above to a verifier: each row and record line goes through them too, and they report before the
 * verifier's own end. `observe.row` sees every row (the events export of a compliance recomputation).
 */
function attachProven(v, { problem, cause, absent, notes, header, proofAt, chainedCorrections, observe }) {
  const proven = provenChecks(problem, notes, absent, cause, chainedCorrections);
  const audit = auditRowsCheck(problem);
  const { row, link, manifest, finish } = v;
  const complianceRows = [];
  let n = 0;
  let checkable = null; // per group of NEEDED_COLUMNS of the kind: whether the rows have its columns
  let inOrder = null;
  let m = null;
  v.row = (r, shifted) => {
    row(r, shifted);
    n += 1;
    if (shifted) return; // named by the verifier: its values are under other columns' names
    const kind = header()?.kind;
    inOrder ??= orderCheck(kind, problem);
    inOrder(r, `row ${n}`);
    checkable ??= neededColumns(kind, r, absent);
    if (kind === 'events') {
      const where = `row ${n} (event ${r.event_id}${r.standard_id ? `, ${r.standard_id}` : ''})`;
      if (checkable.standards) proven.versionRow(r, where);
      if (checkable.corrections) proven.eventRow(r, where);
      if ('measure_source' in r && r.measure_source !== measureSourceOf(r)) {
        problem(`${where}: measure_source is ${r.measure_source}, but its measure ${r.measure} and the event's derived ${r.derived} give ${measureSourceOf(r)}`);
      }
    } else if (kind === 'audit-log') {
      audit.row(r);
      proven.link(r.link_seq, r.link_prev, r.link_hash, `row ${n} (audit entry ${r.seq})`);
    } else if (kind === 'compliance') {
      complianceRows.push(r);
      proven.complianceRow(r, rowName(n, r));
    }
    observe?.row?.(r);
  };
  v.link = (l) => {
    audit.link(l);
    proven.proofLink(l);
    link(l);
  };
  v.manifest = (value) => {
    m = value;
    manifest(value);
  };
  v.record = (name, value) => proven.record(name, value);
  v.complianceRows = complianceRows;
  v.headerOf = header;
  v.standardLines = () => proven.standardLines();
  v.adoptStandards = (lines, from) => proven.adoptStandards(lines, from, header()?.chainHead?.seq ?? 0);
  v.finish = (dataSha256) => {
    proven.setKind(header()?.kind);
    proven.finish(proofAt, m);
    audit.finish();
    if (checkable?.rows !== false) {
      const checked = complianceRows.filter((r, k) => checkComplianceRow(k + 1, r, proven, problem)).length;
      if (checked > 0) notes.push(`name, formula, target and met_target of ${checked} rows checked against the chained records of the standard versions in force`);
    }
    return finish(dataSha256);
  };
}

/**
 * The columns each check reads that no chain record holds (so removing them breaks no link): without them the check
 * could not happen, so their absence is a problem naming them, and the check is left out (one problem, not one
 * per row).
 */
const NEEDED_COLUMNS = {
  events: {
    corrections: [[...CORRECTION_COLUMNS, 'result', 'corrected_met', 'corrected_counted'], 'the corrected view (result, corrected_met, corrected_counted) cannot be recomputed, nor a correction hidden from the rows found'],
    standards: [['standard_id', 'standard_version', 'formula', 'threshold'], "the rows' formulas and thresholds cannot be checked against their standard versions"],
  },
  compliance: {
    rows: [['period', 'period_start', 'period_end', 'site', 'standard_id', 'standard_name', 'formula', 'numerator', 'denominator', 'ratio', 'target', 'met_target', 'versions'], "the rows' ratio, name, formula, target and met_target cannot be checked"],
  },
};

/** Which checks of a kind the first row's columns allow: {group: true|false}; an absence for each group lacking any. */
function neededColumns(kind, r, absent) {
  const out = {};
  for (const [group, [columns, consequence]] of Object.entries(NEEDED_COLUMNS[kind] ?? {})) {
    const missing = columns.filter((c) => !(c in r));
    out[group] = missing.length === 0;
    if (missing.length) absent('columns', `the rows have no column ${missing.join(', ')}: ${consequence}`);
  }
  return out;
}

/**
 * Whether a signed manifest comes from a release before `# standard` lines, whose exports carry none. Manifests listed
 * `standardVersions` long before those lines, so that field alone does not tell: an events export's lines came in the
 * same release as its correction record columns, and its signed `columns` name them (an export of a release before
 * has neither). A compliance export has no signed field of its own that came with the lines, so only a manifest
 * without `standardVersions` shows it is older.
 */
function beforeStandardLines(m) {
  if (!('standardVersions' in m)) return true;
  return m.kind === 'events' && Array.isArray(m.columns) && !m.columns.includes(STANDARD_LINES_COLUMN);
}

/** The last of the correction record columns, which events exports gained in the release that added `# standard` lines. */
const STANDARD_LINES_COLUMN = 'correction_link_hash';

/**
 * Parts of the proof a file lacks. Without a valid signature each is a problem: deleting them is what an attacker
 * would do, and the file cannot show otherwise. With one, the signed manifest says what the server wrote: its
 * `columns` are the columns it wrote, so missing columns are the server's own; and a manifest of a release before
 * `# standard` lines (beforeStandardLines) comes with none. Those are notes (the check not done, and why); any other
 * signed manifest still needs every line (`#` lines are outside `dataSha256`, so the signature does not cover the
 * lines themselves).
 */
function judgeAbsences(absences, m, signed, problem, notes) {
  const olderRelease = { columns: signed, standards: signed && beforeStandardLines(m) };
  const said = new Set();
  for (const { part, text } of absences) {
    if (!olderRelease[part]) {
      problem(`${text}${signed ? '' : ' (an export made before these existed verifies with --public-key)'}`);
    } else if (!said.has(text)) {
      said.add(text);
      notes.push(`${text}; the signed manifest shows the server wrote the file without them (an export from a release before these ${part === 'columns' ? 'columns' : '# standard lines'}), so that check was not done`);
    }
  }
}

const MAX_PROBLEMS = 1000;

/**
 * What the manifest's retention note means for the file (docs/audit.md "Retention"), said whenever the range starts
 * before the cutoff: a verified events export of a pruned range holds fewer rows than were posted (none at all when
 * the whole range was pruned), and nothing else in the output would say why.
 */
function retentionNote(m) {
  const r = m.retention;
  const ranges = (r.missing ?? []).map((x) => `${x.from}–${x.to}`).join(', ');
  const cut = `retention pruned the raw events that occurred before ${r.prunedBefore} (checkpoint ${r.checkpointSeq})`;
  if (m.kind === 'events') return `${cut}: this file cannot hold the events of ${ranges || 'that part of the range'}, only those back-dated there after pruning, so its rows are not every event posted for the filters`;
  if (ranges) return `${cut}: the rows' counts lack the events of ${ranges}, edges off the quarter-hour grid that only raw events can give`;
  return `${cut}: the rows before it were summed from what pruning keeps (rollups and corrections counts), so they are complete`;
}

/**
 * The checks, fed row by row. Chain links of the rows and proof lines are kept in flat buffers indexed by
 * link seq from the first exported link to the head (64 bytes + 1 per link): large exports fit in memory.
 */
function verifier(publishedHead, publicKey, observe) {
  const problems = [];
  const notes = [];
  const problem = (p) => void (problems.length < MAX_PROBLEMS && problems.push(p));
  // Root causes: said first and past the cap, since each may explain many problems after it (which a large export
  // would otherwise push them behind, or past the cap).
  const causes = [];
  const cause = (p) => void (causes.length < MAX_PROBLEMS && causes.push(p));
  const absences = []; // {part, text}: parts of the proof the file lacks, judged once the signature is known
  const absent = (part, text) => void absences.push({ part, text });
  let header = null;
  let manifest = null;
  let failure = null;
  let columnNames = null;
  let rows = 0;
  let base = -1;
  let size = 0;
  let hashes = null; // 32 bytes per link
  let prevs = null; // rows: the prev hash they carry
  let carriers = null; // rows: the data row (1-based) that carried each link, to say where a missing one was
  let flags = null; // 0 unknown, 1 carried by a row, 2 proof line
  let lastProof = -1;
  const afterGap = []; // proof links read before their predecessor was known, checked against it in finish
  let complete = null; // event and milestone exports: which links of the proven range had to be rows
  const milestoneLinks = []; // milestone rows: [link seq, data row], to tell which the proof starts after
  const v = {
    format: null,
    lineEnds: lineEnds(),
    dataSha256AsWritten: null,
    header(h) {
      header = h;
      if (h.kind === 'events' || h.kind === 'milestones') complete = completeness(h);
    },
    columns(names) {
      columnNames = names;
    },
    /** A data row; `shifted` when its cells are not as many as the columns (CSV): counted and hashed, not read. */
    row(r, shifted) {
      rows += 1;
      if (shifted) {
        const { line, found, expected } = shifted;
        return cause(`data row ${rows} (line ${line}) has ${found} cells, but the columns row has ${expected}: a cell was ${found < expected ? 'removed' : 'added'} (an edit that shifted the columns), so its values are read under the wrong columns and were not checked`);
      }
      complete?.row(r);
      if (header?.kind === 'events') {
        const where = `row ${rows} (event ${r.event_id}${r.standard_id ? `, ${r.standard_id}` : ''})`;
        if (r.event_link_seq == null) return problem(`${where}: no chain link`);
        const eventHolds = rowLinkHolds(r.event_link_prev, 'event', String(r.event_seq), sha256(canonical(eventRecord(r))), r.event_link_hash, r);
        if (!eventHolds) problem(`${where}: the event record does not hash to its chain link ${r.event_link_seq} (the row was altered)`);
        carry(r.event_link_seq, r.event_link_prev, r.event_link_hash, where);
        if (r.standard_id !== null) {
          if (!rowLinkHolds(r.judgement_link_prev, 'judgement', `${r.event_seq}/${r.standard_id}`, sha256(canonical(judgementRecord(r))), r.judgement_link_hash, r)) {
            // Its link's tags hold the event's site and time: an altered event field already named fails it too.
            problem(eventHolds ? `${where}: the judgement record does not hash to its chain link ${r.judgement_link_seq} (the row was altered)` : `${where}: nor does the judgement's chain link ${r.judgement_link_seq} follow (its tags hold the event's site and time)`);
          }
          carry(r.judgement_link_seq, r.judgement_link_prev, r.judgement_link_hash, where);
        }
      } else if (header?.kind === 'milestones') {
        if (r.link_seq == null) return problem(`row ${rows}: no chain link`);
        milestoneLinks.push([r.link_seq, rows, r.milestone_id]);
        if (!rowLinkHolds(r.link_prev, 'milestone', String(r.seq), sha256(canonical(milestoneRecord(r))), r.link_hash, r)) {
          problem(`row ${rows} (milestone ${r.milestone_id}): does not hash to its chain link ${r.link_seq} (the row was altered)`);
        }
      } else if (header?.kind === 'audit-log') {
        if (r.link_seq == null) return problem(`row ${rows}: no chain link`);
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
      // Its predecessor not known yet: a row or proof line removed (the gap is named once, by finish), or a row that
      // comes later in the file. The link is kept, so the link after it is checked against it rather than reported
      // as a gap too, and checked itself in finish against a predecessor that arrived meanwhile.
      if (flags[i - 1] === 0) {
        afterGap.push(l);
        complete?.link(l);
      } else if (linkHash(hashes.subarray((i - 1) * 32, i * 32).toString('hex'), l.kind, l.ref, l.digest, l.tags) !== l.hash) problem(`proof link ${l.seq} does not follow from link ${l.seq - 1}`);
      else complete?.link(l);
      Buffer.from(l.hash, 'hex').copy(hashes, i * 32);
      flags[i] = 2;
    },
    manifest(m) {
      manifest = m;
    },
    // The server's last line when the export failed after it started (docs/audit.md "A failed export").
    failed(e) {
      failure = `the export failed on the server after ${rows} data rows (request id ${e.requestId ?? 'unknown'}): ${e.detail ?? JSON.stringify(e)}`;
    },
    finish(dataSha256) {
      const m = manifest;
      if (failure !== null) return { ok: false, problems: [failure], notes, rows };
      if (!m) return { ok: false, problems: ['no trailing manifest: the export is truncated'], notes, rows };
      if (m.rowCount !== rows) problem(`manifest rowCount ${m.rowCount} but the file has ${rows} data rows`);
      if (m.dataSha256 !== dataSha256) {
        const onlyLineEnds = v.dataSha256AsWritten === m.dataSha256;
        problem(`data rows hash to ${dataSha256}, the manifest says ${m.dataSha256} (${onlyLineEnds ? `only line ends changed: with ${lineEndName(EXPORT_CRS)}, as the export wrote them, the rows hash to the manifest's` : 'rows were changed, added or removed'})`);
      }
      if (!header || canonical(header.filters) !== canonical(m.filters)) problem('the filters in the first line and in the manifest differ');
      else checkFirstLine(header, m, problem);
      // First and past the cap: every row was read by these names, so an edited column names row makes each row of
      // a large export fail on its own, and the one cause would otherwise be cut off behind a thousand of them.
      if (columnNames && m.columns && columnNames.every((name, k) => name !== m.columns[k])) {
        causes.unshift(`the file has no column names row: its line 2 is a data row, not the manifest's columns (${m.columns.join(',')}), so it was read as the names, every other row was read by them, and the row problems after this one all come from it`);
      } else if (columnNames && m.columns && canonical(columnNames) !== canonical(m.columns)) {
        causes.unshift(`the column names row (${columnNames.join(',')}) is not the manifest's columns (${m.columns.join(',')}): the rows were read by the file's names, so the row problems after this one may all come from it`);
      }
      // Before that: a changed line end is what changed the bytes, whatever else follows.
      causes.unshift(...v.lineEnds.problems());
      problems.unshift(...causes);
      const signed = checkSignature(m, publicKey, problem, notes);
      judgeAbsences(absences, m, signed, problem, notes);
      checkTimestamp(m, tsaCa, problem, notes);
      let headFoundAt = null;
      let chainReachesHead = false;
      if (m.kind !== 'events' && m.proof && m.proof.fromLinkSeq !== base) problem(`the manifest's proof starts at link ${m.proof.fromLinkSeq}, the file's proof links at ${base < 0 ? 'none' : base}`);
      if (base >= 0 && m.proof) {
        for (const l of afterGap) {
          const i = l.seq - base;
          if (flags[i - 1] !== 0 && linkHash(hashes.subarray((i - 1) * 32, i * 32).toString('hex'), l.kind, l.ref, l.digest, l.tags) !== l.hash) {
            problem(`proof link ${l.seq} does not follow from link ${l.seq - 1}`);
          }
        }
        for (let i = 0; i < size; i += 1) {
          const seq = base + i;
          if (flags[i] === 0) {
            let last = i;
            while (last + 1 < size && flags[last + 1] === 0) last += 1;
            problem(missingLinks(i, last));
            i = last;
            continue;
          }
          if (flags[i] === 1 && i > 0 && flags[i - 1] !== 0 && !prevs.subarray(i * 32, i * 32 + 32).equals(hashes.subarray((i - 1) * 32, i * 32))) {
            problem(`link ${seq} (carried by a row) does not follow from link ${seq - 1}`);
          }
          if (publishedHead && headFoundAt === null && hashes.subarray(i * 32, i * 32 + 32).toString('hex') === publishedHead) headFoundAt = seq;
        }
        const last = hashes.subarray((size - 1) * 32, size * 32).toString('hex');
        chainReachesHead = flags[size - 1] !== 0 && last === m.chainHead.hash;
        // A head link missing from the proof is named with the run of missing links above.
        if (!chainReachesHead) {
          if (flags[size - 1] !== 0) problem(`the chain ends in ${last}, not the manifest's head ${m.chainHead.hash}`);
        } else if (m.kind === 'events') notes.push(`rows linked through ${size} chain links to head ${m.chainHead.seq}`);
        else notes.push(`chain links ${base}–${m.chainHead.seq} recomputed: the export's head descends from link ${base}`);
        // Where the proven range starts is bound by the signature, or for a milestone export by the published head
        // it was exported since (--head at the proof's first link); an events export's start only by the signature.
        if (complete) complete.finish(m, base, problem, notes, signed || (m.kind === 'milestones' && headFoundAt === base));
      } else if (lastProof >= 0) {
        problem(`the file carries chain proof links (the last is link ${lastProof}), but its manifest names no proof: the manifest's proof was removed, so the chain to the head would go unchecked`);
      } else if (m.kind === 'events' && rows > 0) {
        notes.push('no proof links (proof=none): rows were checked against their own links only, not linked to the head');
      }
      if (m.kind === 'milestones' && !m.proof) notes.push('completeness not proven: export with since=<seq of a published head> to prove that no milestone of the filters is missing');
      if (publishedHead) {
        if (publishedHead === m.chainHead.hash) headOnlyByManifest(chainReachesHead || signed, `the export's chain head equals the published head ${publishedHead}`, m.kind !== 'events' ? 'export it with since=<seq of the published head>' : m.proof ? 'its proof does not end in it' : 'it was made with proof=none', problem, notes);
        else if (headFoundAt !== null) notes.push(`the published head ${publishedHead} is link ${headFoundAt} of the verified chain (the export's head ${m.chainHead.seq} is newer)`);
        else if (m.kind !== 'events' && !m.proof) problem(`the export was made against chain head ${m.chainHead.hash} (record ${m.chainHead.seq}), not the published head ${publishedHead}, and carries no chain proof: export it again with since=<seq of the published head>`);
        else problem(headNotCarried(m, base, publishedHead));
      }
      if (m.retention) notes.push(retentionNote(m));
      const early = m.kind === 'milestones' && m.proof ? chainedBefore(milestoneLinks, m.proof.fromLinkSeq) : null;
      const unproven = signed ? null : (UNPROVEN_ROWS.get(m.kind) ?? (early ? early : onlyTheSignatureBinds(m, m.proof && headFoundAt === base)));
      if (unproven) notes.push(unproven);
      const proven = unproven === null;
      return { ok: problems.length === 0, proven, problems, notes, rows, kind: m.kind };
    },
  };
  /**
   * Links `first`–`last` (indexes) that neither a row nor a proof line holds: a row or proof line was removed. Said
   * once per run of them, with where it was: the data rows or proof links on either side.
   */
  function missingLinks(first, last) {
    const side = (i) => (i < 0 || i >= size || flags[i] === 0 ? null : flags[i] === 1 ? `data row ${carriers[i]}` : `proof link ${base + i}`);
    const before = side(first - 1);
    const after = side(last + 1);
    const where = [before && `after ${before}`, after && `before ${after}`].filter(Boolean).join(', ');
    const links = first === last ? `chain link ${base + first} is` : `chain links ${base + first}–${base + last} are`;
    return `${links} missing from the export's proof: a data row or proof line holding ${first === last ? 'it' : 'them'} was removed${where ? ` (${where})` : ''}`;
  }
  function allocate() {
    hashes = Buffer.alloc(size * 32);
    prevs = Buffer.alloc(size * 32);
    carriers = new Int32Array(size);
    flags = new Uint8Array(size);
  }
  /** Exports other than events: the first proof link is the published head the proof starts from (since=). */
  function startProof(l) {
    base = l.seq;
    lastProof = l.seq;
    size = header.chainHead.seq - base + 1;
    if (size <= 0) return problem(`proof link ${l.seq} is after the export's chain head`);
    allocate();
    Buffer.from(l.hash, 'hex').copy(hashes, 0);
    flags[0] = 2;
    complete?.link(l);
  }
  function carry(seq, prev, hash, where) {
    if (base < 0) {
      base = seq;
      size = header.chainHead.seq - base + 1;
      if (size <= 0) return problem(`${where}: link ${seq} is after the export's chain head`);
      allocate();
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
    carriers[i] = rows;
    flags[i] = 1;
  }
  /** The verified chain's hash at link `seq` and its predecessor's (null when not known), or null outside it. */
  function proofAt(seq) {
    const i = seq - base;
    if (base < 0 || i < 0 || i >= size || flags[i] === 0) return null;
    const at = (k) => hashes.subarray(k * 32, k * 32 + 32).toString('hex');
    return { hash: at(i), prev: i > 0 && flags[i - 1] !== 0 ? at(i - 1) : null };
  }
  // The corrections of exported events on the verified proof ([event seq, correction seq, link seq]); null without proof links.
  const chainedCorrections = () => (base >= 0 && manifest?.proof ? (complete?.chainedCorrections() ?? null) : null);
  attachProven(v, { problem, cause, absent, notes, header: () => header, proofAt, chainedCorrections, observe });
  return v;
}

// ---------------------------------------------------------------------------------------------- completeness
// A proof shows the rows are in the chain; completeness shows no row the filters select was left out. Links written
// since migration 17 carry tags in the clear (event {occurredAtMs, site, type}, judgement {occurredAtMs, site},
// correction {action, eventSeq}, milestone {atMs, site}); a link written before has a `tags` link (ref = its seq)
// committing its tags after the fact. Each link of the proven range is judged once its tags are known: one the
// filters select must be a row (docs/audit.md, "Completeness").

/** A growable bit set of non-negative integers (event seqs, link seqs): one bit each. */
function bitSet() {
  let bits = new Uint8Array(1024);
  return {
    add(n) {
      if (n >> 3 >= bits.length) {
        const grown = new Uint8Array(Math.max(bits.length * 2, (n >> 3) + 1));
        grown.set(bits);
        bits = grown;
      }
      bits[n >> 3] |= 1 << (n & 7);
    },
    has: (n) => n >> 3 < bits.length && (bits[n >> 3] & (1 << (n & 7))) !== 0,
  };
}

const when = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(ms));

/** Whether tags {site, occurredAtMs|atMs, type} fall inside the export's filters (the ones tags can decide). */
function selector(filters) {
  const from = Date.parse(filters.from);
  const to = Date.parse(filters.to);
  const sites = filters.sites?.length ? new Set(filters.sites) : null;
  const types = filters.types?.length ? new Set(filters.types) : null;
  return (site, atMs, type) => atMs >= from && atMs < to && (!sites || sites.has(site)) && (!types || types.has(type));
}

/** The completeness check of an event or milestone export: fed its rows, then its verified proof links. */
function completeness(header) {
  const events = header.kind === 'events';
  const exported = bitSet(); // events: exported event seqs; milestones: the rows' link seqs
  const rowCorrections = new Map(); // event seq → {seq, action} of the correction its rows show
  const latest = new Map(); // event seq → {seq, action}: its latest correction link in the proven range
  const chainCorrections = new Map(); // "eventSeq/correctionSeq" of the correction links seen -> [event seq, correction seq, link seq]
  const untagged = new Map(); // link seq → {kind, ref}: links before tags, waiting for their tags link
  const missing = []; // at most MAX_PROBLEMS named
  const selected = selector(header.filters);
  const prunedBefore = header.retention ? Date.parse(header.retention.prunedBefore) : -Infinity;
  const miss = (what) => void (missing.length < MAX_PROBLEMS && missing.push(what));
  let excused = 0;
  let judged = 0;
  // Rows without the correction columns show no correction either way: that absence is named on its own
  // (NEEDED_COLUMNS), and the chain's corrections cannot be matched against them.
  let showsCorrections = null;
  const t = {
    row(r) {
      if (!events) return void (r.link_seq !== null && exported.add(r.link_seq));
      showsCorrections ??= 'correction_seq' in r;
      exported.add(r.event_seq);
      if ((r.correction_seq ?? null) !== null) rowCorrections.set(r.event_seq, { seq: r.correction_seq, action: r.correction });
    },
    link(l) {
      if (l.kind === 'tags') {
        const old = untagged.get(Number(l.ref));
        if (old && l.tags) untagged.delete(Number(l.ref)), t.judge(old.kind, old.seq, old.ref, l.tags);
      } else if (TAGGED_KINDS.has(l.kind)) {
        if (l.tags) t.judge(l.kind, l.seq, l.ref, l.tags);
        else untagged.set(l.seq, { kind: l.kind, seq: l.seq, ref: l.ref });
      }
    },
    judge(kind, seq, ref, tags) {
      judged += 1;
      const filters = header.filters;
      if (kind === 'correction') return events && t.correction(Number(ref), tags, seq);
      if (kind === 'milestone') {
        if (!events && selected(tags.site, tags.atMs) && !exported.has(seq)) miss(`milestone ${ref} (site ${tags.site}, at ${when(tags.atMs)})`);
        return;
      }
      if (!events || filters.outcomes?.length || !selected(tags.site, tags.occurredAtMs, tags.type)) return;
      const eventSeq = Number(ref.split('/')[0]);
      const standard = kind === 'judgement' ? ref.slice(ref.indexOf('/') + 1) : null;
      if (filters.standards?.length && (kind === 'event' || !filters.standards.includes(standard))) return;
      // A proof line is a link no row carries: an event left out, or one judgement of an exported event.
      if (kind === 'event' && exported.has(eventSeq)) return;
      if (tags.occurredAtMs < prunedBefore) return void (excused += 1);
      miss(`${standard ? `judgement ${standard} of event ${eventSeq}` : `event ${eventSeq}`} (site ${tags.site}, occurred ${when(tags.occurredAtMs)})`);
    },
    correction(seq, tags, linkSeq) {
      if (!exported.has(tags.eventSeq)) return;
      chainCorrections.set(`${tags.eventSeq}/${seq}`, [tags.eventSeq, seq, linkSeq]);
      const known = latest.get(tags.eventSeq);
      if (!known || known.seq < seq) latest.set(tags.eventSeq, { seq, action: tags.action });
    },
    chainedCorrections: () => chainCorrections.values(),
    /** `startBound`: whether anything but the file says the range starts at `fromLinkSeq` (onlyTheSignatureBinds). */
    finish(m, fromLinkSeq, problem, notes, startBound) {
      // The range starts at the first row's link: rows removed from the start would move it (the manifest, signed, says where it starts).
      if (events && m.proof && m.proof.fromLinkSeq !== fromLinkSeq) problem(`the manifest's proof starts at link ${m.proof.fromLinkSeq}, the file's first row's link is ${fromLinkSeq} (rows before it were removed)`);
      for (const what of missing) problem(`${what} matches the export's filters but is missing`);
      if (showsCorrections !== false) corrections(latest, rowCorrections, chainCorrections, untagged, problem);
      t.notes(m, fromLinkSeq, notes, startBound);
    },
    notes(m, fromLinkSeq, notes, startBound) {
      const range = `chain links ${fromLinkSeq}–${m.chainHead.seq}`;
      const judgedHow = `${judged} tagged links judged${excused ? `; ${excused} before the retention cutoff, pruned` : ''}`;
      const what = events ? 'event and judgement' : 'milestone';
      if (events && m.filters.outcomes?.length) notes.push(`completeness of the outcome filter is not proven (links carry no outcome): omitted events were not looked for; corrections of the exported events were checked in ${range}`);
      // Complete only from a start something binds: otherwise rows cut before it would leave this note as it is.
      else if (!missing.length && startBound) notes.push(`complete: every ${what} of the filters chained in ${range} is a row (${judgedHow})`);
      else if (!missing.length) notes.push(`no row missing from ${range}: every ${what} of the filters chained there is a row (${judgedHow}); that the export starts at link ${fromLinkSeq} is not proven (below)`);
      if (events) notes.push(`completeness covers what was chained from the first exported row's link (${fromLinkSeq}) on: an event chained before it is outside the proof`);
      if (untagged.size) notes.push(`completeness not proven for ${untagged.size} links written before links carried tags and with no tags record in the proven range (their records were pruned, or the store was not migrated with tags records)`);
    },
  };
  return t;
}

const TAGGED_KINDS = new Set(['event', 'judgement', 'correction', 'milestone']);

/** Each exported event's correction is the chain's latest for it: a cleared or older one hides a void or amendment. */
function corrections(latest, rowCorrections, chainCorrections, untagged, problem) {
  for (const [eventSeq, c] of latest) {
    const shown = rowCorrections.get(eventSeq);
    if (shown?.seq === c.seq) continue;
    const hidden = c.action === 'void' ? 'a hidden void' : 'a hidden amendment';
    problem(`correction ${c.seq} (${c.action}) of event ${eventSeq} is in the chain, but the export's rows show ${shown ? `correction ${shown.seq} (${shown.action})` : 'no correction'}: ${hidden}`);
  }
  const unresolved = [...untagged.values()].some((l) => l.kind === 'correction');
  for (const [eventSeq, c] of rowCorrections) {
    if (!unresolved && !chainCorrections.has(`${eventSeq}/${c.seq}`)) problem(`event ${eventSeq}: its rows show correction ${c.seq} (${c.action}), which is no correction of that event in the proven chain (an invented correction)`);
  }
}

/** The first line repeats the manifest's fields (the manifest is what is signed): any field that differs was edited. */
function checkFirstLine(header, m, problem) {
  for (const [key, value] of Object.entries(header)) {
    if (key !== 'filters' && canonical(value) !== canonical(m[key])) problem(`the first line's "${key}" (${JSON.stringify(value)}) is not the manifest's (${JSON.stringify(m[key])}): the first line was edited`);
  }
}

/** Kinds whose rows no chain link holds (alert episodes, incident changes): only the signature proves them. */
/**
 * Kinds whose rows no chain record holds, so that without the signature nothing proves them, and why. A compliance
 * row's standard fields and ratio are checked against chained versions, but its numerator and denominator are sums:
 * changed together with the ratio they pass every other check, until --events recounts them from chained events.
 */
const UNPROVEN_ROWS = new Map([
  ['incidents', 'the rows of an incidents export are not chain records: without --public-key nothing proves them (anyone can recompute a row count and SHA-256)'],
  ['alerts', 'the rows of an alerts export are not chain records: without --public-key nothing proves them (anyone can recompute a row count and SHA-256)'],
  ['compliance', "a compliance row's numerator and denominator are sums no chain record holds: without --public-key nothing proves them (a changed count with its ratio recomputed passes every other check; --events EVENTS-FILE recounts every row from an events export, but only the signature binds where that export starts, so a pair of files cut alike passes)"],
]);

/**
 * What only the signature binds in a chained export (events, audit log, milestones) that passed every check, so that
 * without --public-key nothing proves that its rows are all those its filters select: why, or null. The chain proves
 * each row and, from the proven range's first link to the head, that no record of the filters was left out; it cannot
 * prove where that range starts. An events export's proof starts at its first row's link: rows cut from the start,
 * with rowCount, dataSha256 and the manifest's proof.fromLinkSeq and completeness.fromLinkSeq moved to the new first
 * row, pass every other check (an events export from a published head, which would bind it, is not done). An
 * audit-log export's links carry no time, so neither end of its range is bound: only a missing entry between the
 * exported ones is seen. A milestone export's proof starts at its since= head, bound when that is the head given as
 * --head (`startsAtHead`). Without a proof, or with the outcome filter (links carry no outcome), no left-out row is
 * looked for at all, and only the signature binds that the export was made so.
 */
function onlyTheSignatureBinds(m, startsAtHead) {
  const settles = 'without --public-key nothing proves that no row was removed';
  if (m.kind === 'events') {
    if (!m.proof) return `the export carries no chain proof (made with proof=none, or it has no rows), so no removed row can be seen, and only the signature binds that it was made without one: ${settles}`;
    if (m.filters.outcomes?.length) return `with the outcome filter a row left out is not looked for (links carry no outcome), and only the signature binds the filters: ${settles}`;
    return `only the signature binds where the export starts (its first row's link ${m.proof.fromLinkSeq}): rows cut from the start, with rowCount, dataSha256 and the manifest's proof.fromLinkSeq and completeness.fromLinkSeq moved to the new first row, pass every other check, so ${settles} before it`;
  }
  if (m.kind === 'audit-log') {
    if (!m.proof) return `the export carries no chain proof (made with proof=none, or it has no rows), so no removed entry can be seen, and only the signature binds that it was made without one: ${settles}`;
    return `only the signature binds where the export's entries start and end (audit links carry no time, so the chain proof cannot tell an entry of the range from one before or after it): entries cut from the start or the end, their links kept as proof lines, with rowCount and dataSha256 recomputed, pass every other check, so ${settles} before the first exported entry or after the last`;
  }
  if (m.kind === 'milestones') {
    if (!m.proof) return `the export carries no chain proof (made without since=), so no removed row can be seen, and only the signature binds that it was made without one: ${settles}`;
    if (!startsAtHead) return `only the signature, or --head with the head published at link ${m.proof.fromLinkSeq}, binds where the proof starts (since=${m.proof.fromLinkSeq}): milestones cut from the start, with the proof lines before them and the manifest's proof.fromLinkSeq moved, pass every other check, so ${settles} before it`;
  }
  return null;
}

/**
 * Milestone rows chained before the proof's first link (exported with a since= later than they were written): no
 * chain proof reaches them and completeness covers only the proof's range, so a row of them removed, with the row
 * count and SHA-256 recomputed, passes every check. Only the signature binds them; null when there is none.
 */
function chainedBefore(rowLinks, fromLinkSeq) {
  const early = rowLinks.filter(([seq]) => seq < fromLinkSeq);
  if (early.length === 0) return null;
  const [seq, row, id] = early.reduce((a, b) => (b[0] < a[0] ? b : a));
  const rows = early.length === 1 ? '1 row was' : `${early.length} rows were`;
  return `${rows} chained before the proof starts (since=${fromLinkSeq}; the earliest: row ${row}, milestone ${id}, link ${seq}), so no chain proof reaches ${early.length === 1 ? 'it' : 'them'} and completeness covers only links ${fromLinkSeq} on: without --public-key nothing proves that no such row was removed; export with since=<seq of a head published before link ${seq}> (GET /api/v1/audit/head before the period) to prove ${early.length === 1 ? 'it' : 'them'}`;
}

/**
 * --head equal to the manifest's chain head: proven when a verified chain ends in that head or the signature over the
 * manifest verified; otherwise only the manifest, which anyone can edit, says so, and the check did not happen.
 */
function headOnlyByManifest(proven, said, remedy, problem, notes) {
  if (proven) return void notes.push(said);
  problem(`--head not proven: the published head is the manifest's chainHead, but nothing binds that field to the file: no chain proof reaches it (${remedy}) and the signature was not checked (pass --public-key)`);
}

/** The manifest's signature by the given public key; what the manifest says about who produced it. Whether it is valid. */
function checkSignature(m, publicKey, problem, notes) {
  const s = m.signature;
  if (!publicKey) {
    notes.push(s ? `signature (key ${s.keyId}) not checked: pass --public-key FILE (GET /api/v1/audit/public-key)` : 'the manifest is not signed');
    return false;
  }
  if (!s) return problem('the manifest is not signed, but a public key was given: it was made by a Ringside without signed manifests, or the signature was removed'), false;
  const keyId = keyIdOf(publicKey);
  if (s.algorithm !== 'Ed25519' || typeof s.value !== 'string') return problem(`the manifest's signature is not an Ed25519 signature (${JSON.stringify(s.algorithm)})`), false;
  if (s.keyId !== keyId) return problem(`the manifest was signed by key ${s.keyId}, but the public key given is ${keyId} (another instance's key, or a forged signature)`), false;
  let valid;
  try {
    valid = signatureValid(m, publicKey);
  } catch {
    valid = false; // not base64 of 64 bytes, …
  }
  if (!valid) return problem(`BAD SIGNATURE: the manifest's signature does not verify with key ${keyId}: the manifest was altered after it was signed (a field such as rowCount, dataSha256, chainHead or filters, or the rows together with their hash)`), false;
  const by = m.requestedBy ? `requested by key "${m.requestedBy.keyName ?? m.requestedBy.keyId}" (${m.requestedBy.keyId})` : 'requester not named';
  notes.push(`signature valid: key ${keyId}, instance ${m.instanceId ?? '(not named)'}${m.organisation ? `, organisation "${m.organisation}"` : ''}, ${by}`);
  return true;
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
  const problem = (p) => void problems.push(p);
  const signed = checkSignature(m, publicKey, problem, notes);
  checkTimestamp(m, tsaCa, problem, notes);
  if (publishedHead && publishedHead !== m.chainHead?.hash) problems.push(`the report was made against chain head ${m.chainHead?.hash} (record ${m.chainHead?.seq}), not the published head ${publishedHead}: a report carries no chain proof (check the exports of the same period with since=)`);
  else if (publishedHead) headOnlyByManifest(signed, `the report's chain head equals the published head ${publishedHead}`, 'a report carries none', problem, notes);
  if (!signed) notes.push('a report holds no chain records: without --public-key nothing in it is proven (anyone can recompute its document SHA-256)');
  return { result: { ok: problems.length === 0, proven: signed, problems, notes, rows: 0, kind: m.kind }, dataSha256: documentSha256 };
}

/**
 * --events FILE, read before the compliance export is finished: verified as any export is, its rows summed per period
 * × site × standard, and its `# standard` lines handed to the compliance export (used where it has none, and held to
 * agree where it has them). null when FILE is not one to recompute from.
 */
async function readEvents(v, eventsFile, publishedHead, publicKey) {
  const header = v.headerOf();
  if (header?.kind !== 'compliance') return null;
  const sums = complianceSums(header.timeZone, header.period ?? 'day', header.filters.standards);
  const ev = verifier(publishedHead, publicKey, sums);
  let result;
  try {
    result = ev.finish(await readExport(eventsFile, ev));
  } catch (error) {
    result = { ok: false, problems: [truncatedOr(error)], notes: [] };
  }
  if (ev.headerOf()?.kind === 'events') v.adoptStandards(ev.standardLines(), `the events export ${eventsFile}`);
  return { header: ev.headerOf(), result, sums };
}

/** --events FILE: the compliance export's rows recomputed from the events export read by readEvents. */
function withEvents(v, result, events, eventsFile) {
  const header = v.headerOf();
  const problems = [...result.problems];
  const notes = [...result.notes];
  let recounted = false;
  if (!events) problems.push('--events recomputes a compliance export; this file is not one');
  else {
    const { header: eh, result: evResult, sums } = events;
    for (const p of evResult.problems) problems.push(`events file ${eventsFile}: ${p}`);
    for (const n of evResult.notes) notes.push(`events file ${eventsFile}: ${n}`);
    const same = (k) => canonical(eh?.filters?.[k] ?? null) === canonical(header.filters[k] ?? null);
    if (eh?.kind !== 'events') problems.push(`${eventsFile} is not an events export`);
    else if (!['from', 'to', 'sites', 'standards'].every(same) || (eh.filters.outcomes ?? []).length > 0) problems.push(`${eventsFile} was exported with other filters (${canonical(eh.filters)}) than the compliance export (${canonical(header.filters)}): export the events with the same from, to, site and standard, and no outcome`);
    else if (eh.retention) notes.push(`not recomputed: the events export lacks events pruned by retention before ${eh.retention.prunedBefore}`);
    else if (evResult.ok) {
      const differences = [];
      recomputeCompliance(header, v.complianceRows, sums, (p) => differences.push(p), notes);
      // Two honest files made at different heads differ by what was chained in between; said first, so the rows
      // named after it are not read as forged. Equal heads are not required: two exports without asOf always differ
      // in head (each export is itself an audit-log link), and their rows agree when nothing in the range changed.
      const [at, eventsAt] = [header.chainHead?.seq, eh.chainHead?.seq];
      if (differences.length > 0 && at !== eventsAt) {
        problems.push(`the events export ${eventsFile} was made at chain head ${eventsAt}, this file at ${at}: records chained in between (late events, corrections, standard versions) change the sums, so the differences below may be theirs; export both with the same asOf=<seq>`);
      }
      problems.push(...differences);
      // Every row recounted from chained events: the sums are proven as far as the events are (not without the key,
      // which alone binds where an events export starts: onlyTheSignatureBinds).
      recounted = evResult.proven === true;
    } else problems.push('not recomputed: the events export does not verify');
  }
  return { ...result, ok: problems.length === 0, proven: result.proven || recounted, problems, notes };
}

// The command line, read strictly: an unknown option (a mistyped --public-key would drop the signature check) or a
// second file (`verify-export.mjs *.csv` would verify only the first) is bad usage, never ignored.
let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: true,
    options: { 'public-key': { type: 'string' }, head: { type: 'string' }, events: { type: 'string' }, 'tsa-ca': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (error) {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) help();
  usage(error.message.split('. To specify')[0]); // Node's advice on positionals starting with '-' does not apply
}
const { values: options, positionals } = parsed;
if (options.help) help();
if (positionals.length === 0) usage('FILE is required');
if (positionals.length > 1) usage(`one FILE at a time, got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(', ')} (verify each export on its own; a compliance export's events export goes with --events)`);
const [file] = positionals;
const head = options.head;
const tsaCa = options['tsa-ca'] ?? null;
const eventsFile = options.events;
if (head !== undefined && !/^[0-9a-f]{64}$/.test(head)) usage('--head needs a 64-character hex SHA-256');
for (const [name, value] of [['public-key', options['public-key']], ['events', eventsFile], ['tsa-ca', options['tsa-ca']]]) {
  if (value === '') usage(`--${name} needs a FILE`);
}
for (const f of eventsFile ? [file, eventsFile] : [file]) {
  try {
    statSync(f);
  } catch (error) {
    usage(`cannot read ${f}: ${error.message}`);
  }
}
const publicKey = options['public-key'] !== undefined ? readPublicKey(options['public-key']) : null;
const v = verifier(head, publicKey);
let result;
let dataSha256 = null;
try {
  if (/^<!doctype html/i.test(await firstBytes(file))) {
    v.format = 'html';
    ({ result, dataSha256 } = verifyReport(readFileSync(file), head, publicKey));
  } else {
    dataSha256 = await readExport(file, v);
    const events = eventsFile ? await readEvents(v, eventsFile, head, publicKey) : null;
    result = v.finish(dataSha256);
    if (eventsFile) result = withEvents(v, result, events, eventsFile);
  }
} catch (error) {
  result = { ok: false, problems: [truncatedOr(error)], notes: [], rows: 0 };
}
// A file that passed every check but that nothing proves (no key for what only the signature proves) is not
// verified: a script reading the exit code, or "VERIFIED", would otherwise accept a file anyone could have written.
const verdict = !result.ok ? 'failed' : result.proven === false ? 'not-proven' : 'verified';
const what = v.format === 'html' ? `report, html, document SHA-256 ${dataSha256}` : `${result.kind}, ${v.format}, ${result.rows} rows, data SHA-256 ${dataSha256}`;
if (options.json) process.stdout.write(JSON.stringify({ file, format: v.format, dataSha256, verdict, ...result }) + '\n');
else if (result.ok) {
  process.stdout.write(verdict === 'verified' ? `VERIFIED: ${file} (${what})\n` : `NOT PROVEN: ${file} (${what}; no --public-key)\n`);
  for (const n of result.notes) process.stdout.write(`  ${n}\n`);
} else {
  process.stdout.write(`FAILED: ${file}\n`);
  for (const p of result.problems.slice(0, 20)) process.stdout.write(`  ${p}\n`);
  if (result.problems.length > 20) process.stdout.write(`  … and ${result.problems.length - 20} more\n`);
}
process.exit({ verified: 0, failed: 1, 'not-proven': 3 }[verdict]);
