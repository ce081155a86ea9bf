// The corrected view's one rule (correctedVerdict, domain/corrections.ts) and the offline verifier's copy of it agree:
// an event export built with the domain's chain records, links and rule verifies, for every kind of case (no
// correction, void, amendment with and without the standard re-judged, amended then voided, an event without
// judgements), and any other result in any row is named.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/src/domain/canonical';
import { digestOf, GENESIS_HASH, linkHash } from '../../server/src/domain/chain';
import { correctedVerdict } from '../../server/src/domain/corrections';

interface Case {
  id: string;
  judgements: Array<{ standardId: string; met: 0 | 1; counted: 0 | 1 }>;
  corrections: Array<{ action: 'void' | 'amend'; rejudged: Record<string, { met: 0 | 1; counted: 0 | 1 }> }>;
}

const CASES: Case[] = [
  { id: 'met', judgements: [{ standardId: 'a', met: 1, counted: 1 }], corrections: [] },
  { id: 'missed', judgements: [{ standardId: 'a', met: 0, counted: 1 }], corrections: [] },
  { id: 'not-counted', judgements: [{ standardId: 'a', met: 0, counted: 0 }], corrections: [] },
  { id: 'void', judgements: [{ standardId: 'a', met: 1, counted: 1 }, { standardId: 'b', met: 0, counted: 1 }], corrections: [{ action: 'void', rejudged: {} }] },
  // b is not re-judged by the amendment (its version is no longer known): it keeps its recorded verdict.
  { id: 'amend', judgements: [{ standardId: 'a', met: 0, counted: 1 }, { standardId: 'b', met: 0, counted: 1 }], corrections: [{ action: 'amend', rejudged: { a: { met: 1, counted: 1 } } }] },
  { id: 'amend-uncounted', judgements: [{ standardId: 'a', met: 1, counted: 1 }], corrections: [{ action: 'amend', rejudged: { a: { met: 0, counted: 0 } } }] },
  { id: 'amend-twice', judgements: [{ standardId: 'a', met: 0, counted: 1 }], corrections: [{ action: 'amend', rejudged: { a: { met: 1, counted: 1 } } }, { action: 'amend', rejudged: { a: { met: 0, counted: 1 } } }] },
  { id: 'amend-then-void', judgements: [{ standardId: 'a', met: 0, counted: 1 }], corrections: [{ action: 'amend', rejudged: { a: { met: 1, counted: 1 } } }, { action: 'void', rejudged: {} }] },
  { id: 'no-judgements', judgements: [], corrections: [] },
  { id: 'no-judgements-void', judgements: [], corrections: [{ action: 'void', rejudged: {} }] },
];

/** An NDJSON event export of the cases, chained with the domain's records and links. */
function exportOf(cases: readonly Case[]): { text: string; rows: Array<Record<string, unknown>> } {
  let prev = GENESIS_HASH;
  let seq = 0;
  const proof: Array<Record<string, unknown>> = [];
  const records: Array<Record<string, unknown>> = [];
  const link = (kind: string, ref: string, record: Record<string, unknown>) => {
    seq += 1;
    const l = { seq, prev, hash: linkHash(prev, kind, ref, digestOf(record)) };
    prev = l.hash;
    return l;
  };
  // The standards the rows name, chained first, as on a fresh store: every event export carries their records.
  for (const id of ['a', 'b']) {
    const record = { id, version: 1, definition: canonicalJson({ id, version: 1, threshold: 2, formula: 'F3', target: 0.9 }), createdAtMs: 0, validFromMs: null, retired: 0 };
    records.push({ standard: { record, link: link('standard', `${id}@1`, record) } });
  }
  const firstRowLink = seq + 1; // the proof starts at the first row's link
  const rows: Array<Record<string, unknown>> = [];
  let correctionSeq = 0;
  cases.forEach((c, k) => {
    const eventSeq = k + 1;
    const event = { seq: eventSeq, id: c.id, type: 'call', site: 'downtown', occurredAtMs: 1_000 * eventSeq, occurredAt: new Date(1_000 * eventSeq).toISOString(), receivedAtMs: 1_000 * eventSeq, outcome: 'answered', rings: 1, answerSeconds: 6, greetSeconds: null, queue: null, agent: null, derived: '["answerSeconds"]', content: '{}' };
    const eventLink = link('event', String(eventSeq), event);
    const judged = c.judgements.map((j) => {
      const record = { eventSeq, standardId: j.standardId, standardVersion: 1, measure: 'rings', value: 1, threshold: 2, met: j.met, counted: j.counted, reason: null };
      return { j, record, link: link('judgement', `${eventSeq}/${j.standardId}`, record) };
    });
    let latest: { record: Record<string, unknown>; link: { seq: number; prev: string; hash: string } } | null = null;
    for (const corr of c.corrections) {
      correctionSeq += 1;
      const record = { seq: correctionSeq, eventSeq, action: corr.action, changes: '{}', rejudged: canonicalJson(corr.rejudged), reason: 'r', keyId: 'k', atMs: 5 };
      latest = { record, link: link('correction', String(correctionSeq), record) };
      records.push({ correction: { record, link: latest.link, keyName: null } });
      proof.push({ seq: latest.link.seq, kind: 'correction', ref: String(correctionSeq), digest: digestOf(record), hash: latest.link.hash });
    }
    const last = c.corrections.at(-1) ?? null;
    for (const one of judged.length ? judged : [null]) {
      const v = correctedVerdict(one?.j.standardId ?? null, { met: one?.j.met ?? null, counted: one?.j.counted ?? null }, last);
      rows.push({
        event_seq: eventSeq, event_id: c.id, type: event.type, site: event.site, occurred_at: event.occurredAt, occurred_at_ms: event.occurredAtMs, received_at_ms: event.receivedAtMs,
        outcome: event.outcome, rings: event.rings, answer_seconds: event.answerSeconds, greet_seconds: null, queue: null, agent: null, derived: event.derived, content: event.content,
        standard_id: one?.j.standardId ?? null, standard_version: one ? 1 : null, formula: one ? 'F3' : null, measure: one ? 'rings' : null, measure_source: one ? 'measured' : null,
        value: one ? 1 : null, threshold: one ? 2 : null, met: one?.j.met ?? null, counted: one?.j.counted ?? null, reason: null,
        result: v.result, correction: latest?.record.action ?? null, correction_seq: latest?.record.seq ?? null, corrected_met: v.met, corrected_counted: v.counted,
        event_link_seq: eventLink.seq, event_link_prev: eventLink.prev, event_link_hash: eventLink.hash,
        judgement_link_seq: one?.link.seq ?? null, judgement_link_prev: one?.link.prev ?? null, judgement_link_hash: one?.link.hash ?? null, measures: null, handle_seconds: null,
        correction_changes: latest?.record.changes ?? null, correction_rejudged: latest?.record.rejudged ?? null, correction_reason: latest?.record.reason ?? null,
        correction_key_id: latest?.record.keyId ?? null, correction_key_name: null, correction_at_ms: latest?.record.atMs ?? null,
        correction_link_seq: latest?.link.seq ?? null, correction_link_prev: latest?.link.prev ?? null, correction_link_hash: latest?.link.hash ?? null,
      });
    }
  });
  const head = { kind: 'events', format: 'ndjson', filters: { from: 'a', to: 'b' }, chainHead: { seq, hash: prev } };
  const data = rows.map((r) => JSON.stringify(r) + '\n').join('');
  const manifest = { ...head, rowCount: rows.length, dataSha256: createHash('sha256').update(data).digest('hex'), proof: { fromLinkSeq: firstRowLink, toLinkSeq: seq } };
  const text = [JSON.stringify({ export: head }), ...rows.map((r) => JSON.stringify(r)), ...records.map((r) => JSON.stringify(r)), ...proof.map((l) => JSON.stringify({ link: l })), JSON.stringify({ manifest })].join('\n') + '\n';
  return { text, rows };
}

function verified(text: string): { status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-corrected-'));
  try {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, text);
    return spawnSync(process.execPath, [join(process.cwd(), 'scripts', 'verify-export.mjs'), file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the corrected view: domain rule and offline verifier', () => {
  it('an export made with the domain rule verifies, every case', () => {
    const { text, rows } = exportOf(CASES);
    expect(rows.map((r) => `${String(r.event_id)}:${String(r.result)}`)).toEqual([
      'met:met', 'missed:missed', 'not-counted:not-counted', 'void:voided', 'void:voided', 'amend:met', 'amend:missed', 'amend-uncounted:not-counted',
      'amend-twice:missed', 'amend-then-void:voided', 'no-judgements:null', 'no-judgements-void:voided',
    ]);
    const r = verified(text);
    expect(r.status, r.stdout).toBe(3); // every check passes; where it starts only the signature (none here) binds
    expect(r.stdout).toMatch(/^NOT PROVEN: /);
    expect(r.stdout).toContain('corrected view recomputed from 8 chained correction records');
  }, 30_000);

  it('any other result in any row is named (data hash recomputed)', () => {
    const { text, rows } = exportOf(CASES);
    const results = ['met', 'missed', 'not-counted', 'voided', null];
    // Every row gets each of the other four results once: four files, every row of each named.
    for (let shift = 1; shift < results.length; shift += 1) {
      const lines = text.split('\n');
      rows.forEach((row, i) => {
        lines[i + 1] = JSON.stringify({ ...row, result: results[(results.indexOf(row.result as string | null) + shift) % results.length] });
      });
      const data = lines.slice(1, rows.length + 1).map((l) => l + '\n').join('');
      const m = JSON.parse(lines.at(-2)!).manifest;
      lines[lines.length - 2] = JSON.stringify({ manifest: { ...m, dataSha256: createHash('sha256').update(data).digest('hex') } });
      const r = verified(lines.join('\n'));
      expect(r.status, r.stdout).toBe(1);
      rows.forEach((row, i) => expect(r.stdout).toMatch(new RegExp(`row ${i + 1} \\(event ${String(row.event_id)}[,)].*: result is .*, but its judgement and correction give ${(row.result as string | null) ?? '\\(empty\\)'}\n`)));
    }
  }, 30_000);
});
