// The hash chain's records and link arithmetic: what is hashed, and how. docs/audit.md "Hash chain" states it in
// words; scripts/verify-export.mjs repeats it (tested against this) for auditors who check an export offline.
//
//   digest = hex SHA-256 of the UTF-8 canonical JSON of the record (keys sorted, see canonical.ts)
//   hash   = hex SHA-256 of the UTF-8 text  prevHash + canonicalJson({ digest, kind, ref })          (no tags)
//          = hex SHA-256 of the UTF-8 text  prevHash + canonicalJson({ digest, kind, ref, tags })    (tagged link)
//   tags   = what export filters select on, in the clear (tagsOf): links written before tags existed have none
//   prevHash of the first link = 64 × "0"
import { hash } from 'node:crypto';
import { canonicalJson } from './canonical';
import { objectLiteralOf } from './objectLiteral';

export const GENESIS_HASH = '0'.repeat(64);

export type ChainKind = 'event' | 'judgement' | 'standard' | 'site' | 'correction' | 'audit' | 'checkpoint' | 'milestone' | 'caseJudgement' | 'tags' | 'standardWithdrawal';

/** A kind of chained record: its JSON keys, in the order its values are given (the stored row's field order). */
export interface ChainRecordKind {
  kind: ChainKind;
  keys: readonly string[];
  /**
   * Keys added after records of the kind were chained: left out of the record while null, so the records chained
   * before they existed hash as they did.
   */
  optional?: readonly string[];
}

export const CHAIN_KINDS: readonly ChainRecordKind[] = [
  {
    kind: 'event',
    keys: ['seq', 'id', 'type', 'site', 'occurredAtMs', 'occurredAt', 'receivedAtMs', 'outcome', 'rings', 'answerSeconds', 'greetSeconds', 'queue', 'agent', 'derived', 'content', 'measures', 'handleSeconds'],
    // Events of other types than calls and visits carry their measures, and events posted with how long serving took
    // carry it; calls and visits without a handling time (all events before) have neither.
    optional: ['measures', 'handleSeconds'],
  },
  { kind: 'judgement', keys: ['eventSeq', 'standardId', 'standardVersion', 'measure', 'value', 'threshold', 'met', 'counted', 'reason'] },
  { kind: 'standard', keys: ['id', 'version', 'definition', 'createdAtMs', 'validFromMs', 'retired'] },
  { kind: 'site', keys: ['seq', 'site', 'change', 'definition', 'changedAtMs'] },
  { kind: 'correction', keys: ['seq', 'eventSeq', 'action', 'changes', 'rejudged', 'reason', 'keyId', 'atMs'] },
  { kind: 'audit', keys: ['seq', 'keyId', 'action', 'target', 'details', 'atMs'] },
  {
    kind: 'checkpoint',
    keys: ['seq', 'prunedBeforeMs', 'lastEventSeq', 'events', 'judgements', 'headSeq', 'headHash', 'atMs', 'hmac', 'lastMilestoneSeq', 'milestones'],
    // Checkpoints since milestones are pruned too say what of them was pruned; older ones do not.
    optional: ['lastMilestoneSeq', 'milestones'],
  },
  { kind: 'milestone', keys: ['seq', 'id', 'type', 'site', 'caseId', 'milestone', 'atMs', 'at', 'receivedAtMs', 'agent', 'queue', 'handleSeconds', 'content'] },
  { kind: 'caseJudgement', keys: ['seq', 'type', 'site', 'caseId', 'standardId', 'standardVersion', 'measure', 'value', 'threshold', 'met', 'counted', 'reason', 'atMs'] },
  // The tags of a link chained before links carried tags (written by migration 17): `tags` is their canonical JSON.
  { kind: 'tags', keys: ['linkSeq', 'linkHash', 'tags'] },
  // A version scheduled ahead taken back before it took effect (its own `standard` record stays as it was chained):
  // chained so that a withdrawal written outside Ringside, which would stop a version being in force, is named.
  { kind: 'standardWithdrawal', keys: ['standardId', 'version', 'withdrawnAtMs'] },
];

/**
 * Whether a record chained at link `linkSeq` counts as of link `asOfSeq` (now, by default): its link is that one or an
 * earlier one. An export as of a link goes by the records' place in the chain, not their times: links written in the
 * same millisecond are still one after the other, so one chained after the link never changes what is made as of it.
 * A record without a link (written outside Ringside; GET /audit/verify names it) counts as of every link, as it does
 * now.
 */
export function chainedAsOf(linkSeq: number | null, asOfSeq = Infinity): boolean {
  return linkSeq === null || linkSeq <= asOfSeq;
}

export const CHAIN_KIND: Readonly<Record<ChainKind, ChainRecordKind>> = Object.fromEntries(CHAIN_KINDS.map((k) => [k.kind, k])) as Record<ChainKind, ChainRecordKind>;

/** A link's ref: the record's key as text ("12", "12/calls", "calls@3"). `values` in the kind's key order. */
export function refOf(kind: ChainKind, values: readonly unknown[]): string {
  if (kind === 'judgement') return `${String(values[0])}/${String(values[1])}`;
  if (kind === 'standard' || kind === 'standardWithdrawal') return `${String(values[0])}@${String(values[1])}`;
  return String(values[0]);
}

// One-shot hash (no Hash object per call): the batch writer computes two per stored row.
export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The record a row stands for: `values` in the order of the kind's keys. */
export function recordOf(kind: ChainRecordKind, values: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  kind.keys.forEach((key, i) => {
    const v = values[i];
    if ((v === null || v === undefined) && kind.optional?.includes(key)) return;
    record[key] = typeof v === 'bigint' ? Number(v) : (v ?? null);
  });
  return record;
}

export const digestOf = (record: Record<string, unknown>): string => sha256(canonicalJson(record));

const recordJsons = new Map<ChainKind, (values: readonly unknown[]) => string>();

/**
 * digestOf(recordOf(kind, values)), from the row's values as they are: recordJsonOf's text (the same bytes), made
 * once per kind. What the writers chain and what verification recomputes for every stored record.
 */
export function recordDigest(kind: ChainKind, values: readonly unknown[]): string {
  let json = recordJsons.get(kind);
  if (!json) recordJsons.set(kind, (json = recordJsonOf(CHAIN_KIND[kind])));
  return sha256(json(values));
}

/**
 * `tags`: the canonical JSON of the link's tags (tagsOf), or null for a link without them (every link written
 * before tags existed), which hashes exactly as links always did.
 */
export function linkHash(prevHash: string, kind: string, ref: string, digest: string, tags: string | null = null): string {
  // = prevHash + canonicalJson({ digest, kind, ref[, tags] }): the literal's keys are already in sorted order and its
  // values are strings, so plain JSON.stringify gives the same bytes without the sorting pass (unit-tested); the
  // tags' canonical JSON goes in as it is, last ("tags" sorts after "ref").
  const envelope = JSON.stringify({ digest, kind, ref });
  return sha256(prevHash + (tags === null ? envelope : `${envelope.slice(0, -1)},"tags":${tags}}`));
}

/** Where a judgement's event is: a judgement record names only the event's seq. */
export interface TagPlace {
  site: string;
  occurredAtMs: number;
}

const num = (v: unknown): number => Number(v);

/**
 * The tags of a new link (canonical JSON, keys sorted) from the record's values in the kind's key order: what the
 * exports filter on, so an offline verifier can tell which links of a proven range an export had to include.
 * event {occurredAtMs, site, type}; judgement {occurredAtMs, site} of its event (`place`; the standard is in the
 * ref); correction {action, eventSeq}; milestone and caseJudgement {atMs, site}. Other kinds: none (null).
 */
export function tagsOf(kind: ChainKind, values: readonly unknown[], place?: TagPlace): string | null {
  switch (kind) {
    case 'event':
      return JSON.stringify({ occurredAtMs: num(values[4]), site: values[3], type: values[2] });
    case 'judgement':
      return place ? JSON.stringify({ occurredAtMs: num(place.occurredAtMs), site: place.site }) : null;
    case 'correction':
      return JSON.stringify({ action: values[2], eventSeq: num(values[1]) });
    case 'milestone':
      return JSON.stringify({ atMs: num(values[6]), site: values[3] });
    case 'caseJudgement':
      return JSON.stringify({ atMs: num(values[12]), site: values[2] });
    default:
      return null;
  }
}

/**
 * canonicalJson(recordOf(kind, values)) for records of primitive values (what a row holds), written out directly:
 * the key order is sorted once, keys are pre-quoted, and each value is JSON-encoded on its own. The batch writer
 * digests two records per stored row; test/unit/chainRecords.test.ts checks the bytes are the same.
 */
export function recordJsonOf(kind: ChainRecordKind): (values: readonly unknown[]) => string {
  const order = kind.keys.map((key, i) => [key, i] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const names = order.map(([key]) => JSON.stringify(key) + ':');
  const indexes = order.map(([, i]) => i);
  const optional = order.map(([key]) => kind.optional?.includes(key) ?? false);
  const piecewise = (values: readonly unknown[]): string => {
    let json = '';
    for (let n = 0; n < indexes.length; n++) {
      const v = values[indexes[n]!];
      if (optional[n] && (v === null || v === undefined)) continue;
      json += (json === '' ? '{' : ',') + names[n]! + jsonValue(v);
    }
    return (json || '{') + '}';
  };
  // Records of text, numbers, booleans and nulls (every row the batch writer chains): an object literal with the
  // sorted keys and one native JSON.stringify, which writes those values as jsonValue does (a non-finite number as
  // null); an optional key's null becomes undefined, which JSON.stringify leaves out like the piecewise path.
  const literal = objectLiteralOf(
    order.map(([key]) => key),
    (n) => (optional[n] ? `v[${indexes[n]}] === null ? undefined : v[${indexes[n]}]` : `v[${indexes[n]}] === undefined ? null : v[${indexes[n]}]`),
  );
  if (literal === null) return piecewise;
  return (values) => {
    for (let n = 0; n < indexes.length; n++) {
      const v = values[indexes[n]!];
      if (v !== null && typeof v === 'object') return piecewise(values); // canonical JSON of a nested value
      if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return piecewise(values);
    }
    return JSON.stringify(literal(values));
  };
}

/** JSON of one row value as recordOf + canonicalJson write it (bigint as a number, undefined as null). */
function jsonValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return JSON.stringify(Number(v));
  return typeof v === 'object' ? canonicalJson(v) : (JSON.stringify(v) ?? 'null');
}

/**
 * The last of positions 1..`upTo` at which two chains still agree (0: none), `agrees(n)` telling whether they do at
 * position n. Each link's hash covers the one before, so two chains that differ at a link differ at every one after
 * it: they agree up to one position and at none after, and halving finds it in a few reads however long they are.
 * A position is a link's seq when both chains can be read at every link (two databases), or the rank of a remembered
 * link when only some of one chain's are known (a data folder's chain witness).
 */
export function lastAgreement(upTo: number, agrees: (position: number) => boolean): number {
  let shared = 0;
  for (let high = upTo; shared < high; ) {
    const mid = Math.ceil((shared + high) / 2);
    if (agrees(mid)) shared = mid;
    else high = mid - 1;
  }
  return shared;
}
