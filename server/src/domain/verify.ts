// Recomputing the hash chain: each link's hash from the previous one, each record's digest from the record as
// stored now, every link checked (not only up to the first mismatch), so one altered record cannot hide later
// tampering. Links whose record was pruned under a signed checkpoint count as pruned, not missing.
import { CHAIN_KIND, GENESIS_HASH, linkHash, recordDigest, type ChainKind } from './chain';
import { checkpointSigned, type CheckpointFields } from './retention';

/** One field of a derived row that differs from what the chained records give. */
export interface Difference {
  field: string;
  /** What the row holds. */
  stored: unknown;
  /** What the chained records give (a site's latest record; the judgements' recount). */
  expected: unknown;
}

/** A rollup row or value-histogram cell: its table and grain, and its key. */
export interface DerivedCell {
  table: string;
  grain: string;
  standardId: string;
  standardVersion: number;
  site: string;
  /** The bucket's UTC start, ISO. */
  bucketStart: string;
  /** The value of a histogram cell. */
  value?: number;
}

/**
 * One link (or record) that does not check out, or a row derived from records (kind `sites`, or a rollup or
 * histogram table) that differs from what they give.
 */
export interface ChainProblem {
  /** The link's position; 0 for a record that has no link, and for a derived row. */
  seq: number;
  kind: string;
  ref: string;
  problem: string;
  /** A sites row's site. */
  site?: string;
  /** A rollup row's or histogram cell's key. */
  cell?: DerivedCell;
  /** A derived row's fields that differ, each with both values. */
  differences?: Difference[];
}

/** Problems listed in a result (and in a document that names problems); the count of any further ones is given (moreProblems). */
export const MAX_LISTED_PROBLEMS = 100;

export interface VerifyResult {
  intact: boolean;
  /** Links of the intact prefix: every link when intact, else the links before the first problem. */
  records: number;
  /** End of the intact prefix (= the chain head when intact). */
  headSeq: number;
  headHash: string;
  /** Links read: the whole chain, also after a problem. */
  checked: number;
  /** Links whose source row was removed by retention pruning (covered by a checkpoint). */
  pruned: number;
  checkpoints: number;
  /**
   * Whether the checkpoints' HMACs were checked: false when there are checkpoints and no audit.secret to check them
   * with, so the records they cover count as pruned on their word (the message says so).
   */
  signaturesChecked: boolean;
  /** The first link that does not match (= problems[0]). */
  firstBad?: ChainProblem;
  /** Every problem, in chain order (at most MAX_LISTED_PROBLEMS); [] when intact. */
  problems: ChainProblem[];
  /** Problems found beyond those listed. */
  moreProblems: number;
  message: string;
}

/** A chain link with the values of the record it names (null when the record is gone), as verification reads it. */
export interface ChainLink {
  seq: number;
  kind: string;
  ref: string;
  eventSeq: number | null;
  digest: string;
  hash: string;
  /** The canonical JSON of the link's tags; null for a link written before links carried tags. */
  tags: string | null;
  /** The record's values in its kind's key order, as stored now; null: no such record. */
  record: unknown[] | null;
}

/** What verification reads from one snapshot of the store. */
export interface ChainInput {
  /** In chain order; iterable synchronously as well where the store reads so (then taken without a promise per link). */
  links: AsyncIterable<ChainLink> & Partial<Iterable<ChainLink>>;
  checkpoints: ReadonlyArray<CheckpointFields & { seq: number; hmac: string }>;
  /** Records with no link. */
  unchained: AsyncIterable<{ kind: string; ref: string }>;
  /**
   * Rows derived from the records that differ from what the records give (sites, rollups, value histograms), checked
   * after the chain and told whether it found the chain broken (what a derived problem advises depends on it); none
   * when absent.
   */
  derived?: (chain: { broken: boolean }) => AsyncIterable<ChainProblem>;
  /** Awaited now and then between links (the report gives the event loop a turn, and stops once its client left). */
  pace?: () => Promise<void>;
}

class Problems {
  readonly listed: ChainProblem[] = [];
  count = 0;
  add(p: ChainProblem): void {
    this.count += 1;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(p);
  }
}

/** The highest seqs pruned under checkpoints: of events, of milestones. */
interface Reach {
  events: number;
  milestones: number;
}

/**
 * What the checkpoints cover: `signed`, those whose HMAC matches (an unsigned one vouches for nothing); `unsigned`,
 * those whose HMAC does not, so a record only they cover is named as such rather than as deleted outright.
 */
interface PrunedUpTo {
  signed: Reach;
  unsigned: Reach;
}

const reach = (): Reach => ({ events: 0, milestones: 0 });

function extend(r: Reach, c: { lastEventSeq: number | null; lastMilestoneSeq?: number | null }): void {
  if (c.lastEventSeq !== null) r.events = Math.max(r.events, c.lastEventSeq);
  if (c.lastMilestoneSeq != null) r.milestones = Math.max(r.milestones, c.lastMilestoneSeq);
}

function prunedUpTo(input: ChainInput, secret: Buffer | null, found: Problems): PrunedUpTo {
  const upTo = { signed: reach(), unsigned: reach() };
  for (const c of input.checkpoints) {
    const { seq: _seq, hmac, ...fields } = c;
    if (secret && !checkpointSigned(secret, fields, hmac)) {
      // Both causes give the same mismatch; the one seen in practice is a node that pruned with its own secret.
      found.add({ seq: 0, kind: 'checkpoint', ref: String(c.seq), problem: `HMAC does not match: it was signed with another audit.secret than the one checking it (a node that pruned with its own, not the store's), or its signed fields were altered` });
      extend(upTo.unsigned, c);
      continue;
    }
    extend(upTo.signed, c);
  }
  return upTo;
}

/** Whether a missing record was removed by retention: an event or judgement, or a milestone, covered by a checkpoint. */
function prunable(kind: string, link: { ref: string; eventSeq: number | null }, upTo: Reach): boolean {
  if (kind === 'event' || kind === 'judgement') return link.eventSeq !== null && link.eventSeq <= upTo.events;
  return kind === 'milestone' && Number(link.ref) <= upTo.milestones;
}

const PRUNED = Symbol('pruned');

/** What is wrong with a link's record: null when it matches, PRUNED when removed under a checkpoint. */
function checkRecord(link: ChainLink, upTo: PrunedUpTo): string | null | typeof PRUNED {
  const def = CHAIN_KIND[link.kind as ChainKind] as (typeof CHAIN_KIND)[ChainKind] | undefined;
  if (!def) return `unknown kind "${link.kind}"`;
  if (link.record === null) {
    if (prunable(def.kind, link, upTo.signed)) return PRUNED;
    if (prunable(def.kind, link, upTo.unsigned)) return `the ${def.kind} record ${link.ref} is missing, and only a checkpoint whose HMAC does not match covers it as pruned`;
    return `the ${def.kind} record ${link.ref} is missing (deleted outside retention pruning)`;
  }
  return recordDigest(def.kind, link.record) === link.digest ? null : `the ${def.kind} record ${link.ref} does not match its chain digest (the record was altered)`;
}

/** Links checked between two awaits of the input's pace (a few milliseconds' work). */
const PACE_LINKS = 1000;

export async function verifyChain(input: ChainInput, secret: Buffer | null): Promise<VerifyResult> {
  const found = new Problems();
  const walk = new ChainWalk(prunedUpTo(input, secret, found), found);
  await eachLink(input.links, walk, input.pace);
  // A record without a link was written outside Ringside (the store chains every record it writes).
  for await (const r of input.unchained) found.add({ seq: 0, kind: r.kind, ref: r.ref, problem: `the ${r.kind} record ${r.ref} has no chain link (written outside Ringside)` });
  if (input.derived) for await (const p of input.derived({ broken: found.count > 0 })) found.add(p);
  return result(found, walk.intactTo, { checked: walk.checked, pruned: walk.pruned, checkpoints: input.checkpoints.length, signaturesChecked: secret !== null || input.checkpoints.length === 0 });
}

/**
 * Every link to `walk`: taken synchronously when the store reads them so (no promise per link), else awaited; `pace`
 * awaited every PACE_LINKS links.
 */
async function eachLink(links: ChainInput['links'], walk: ChainWalk, pace: (() => Promise<void>) | undefined): Promise<void> {
  let n = 0;
  if (typeof links[Symbol.iterator] === 'function') {
    for (const link of links as Iterable<ChainLink>) {
      walk.check(link);
      if (pace && ++n % PACE_LINKS === 0) await pace();
    }
    return;
  }
  for await (const link of links) {
    walk.check(link);
    if (pace && ++n % PACE_LINKS === 0) await pace();
  }
}

/** The chain's links in order, each checked against the one before it and its record. */
class ChainWalk {
  checked = 0;
  pruned = 0;
  readonly intactTo = { seq: 0, hash: GENESIS_HASH };
  private prev = GENESIS_HASH;
  private expectedSeq = 1;

  constructor(
    private readonly upTo: PrunedUpTo,
    private readonly found: Problems,
  ) {}

  check(link: ChainLink): void {
    this.checked += 1;
    let problem: string | null = null;
    if (link.seq !== this.expectedSeq) {
      // Reported at the first missing seq; the link after a gap has no predecessor to be checked against.
      const missing = link.seq === this.expectedSeq + 1 ? `chain link ${this.expectedSeq} is missing` : `chain links ${this.expectedSeq}–${link.seq - 1} are missing`;
      this.found.add({ seq: this.expectedSeq, kind: link.kind, ref: link.ref, problem: missing });
    } else if (linkHash(this.prev, link.kind, link.ref, link.digest, link.tags) !== link.hash) {
      problem = 'the chain link does not follow from the previous one (a link row was altered)';
    }
    if (problem === null) {
      const record = checkRecord(link, this.upTo);
      if (record === PRUNED) this.pruned += 1;
      else problem = record;
    }
    if (problem !== null) this.found.add({ seq: link.seq, kind: link.kind, ref: link.ref, problem });
    if (this.found.count === 0) {
      this.intactTo.seq = link.seq;
      this.intactTo.hash = link.hash;
    }
    this.prev = link.hash;
    this.expectedSeq = link.seq + 1;
  }
}

const where = (p: ChainProblem) => (p.seq > 0 ? `record ${p.seq} (${p.kind} ${p.ref})` : `${p.kind} ${p.ref}`);

/** A problem as one line of text (the CLI's list, the report's). */
export const problemText = (p: ChainProblem): string => `${where(p)}: ${p.problem}`;

function result(found: Problems, intactTo: { seq: number; hash: string }, counts: { checked: number; pruned: number; checkpoints: number; signaturesChecked: boolean }): VerifyResult {
  const base = { records: intactTo.seq, headSeq: intactTo.seq, headHash: intactTo.hash, ...counts, problems: found.listed, moreProblems: found.count - found.listed.length };
  const bad = found.listed[0];
  const unchecked = counts.signaturesChecked ? '' : `; ${UNCHECKED_SIGNATURES(counts.checkpoints, counts.pruned)}`;
  if (!bad) return { intact: true, ...base, message: `intact up to record ${intactTo.seq}, head hash ${intactTo.hash}${unchecked}` };
  const all = found.count === 1 ? '1 problem' : `${found.count} problems`;
  return {
    intact: false,
    ...base,
    firstBad: bad,
    message: `first mismatch at ${problemText(bad)}; ${all} in ${counts.checked} records checked; intact up to record ${intactTo.seq}, hash ${intactTo.hash}${unchecked}`,
  };
}

/** What a verification without the audit.secret leaves unproven. */
const UNCHECKED_SIGNATURES = (checkpoints: number, pruned: number) =>
  `${checkpoints === 1 ? 'the HMAC of its retention checkpoint was' : `the HMACs of its ${checkpoints} retention checkpoints were`} not checked (no audit.secret to check ${checkpoints === 1 ? 'it' : 'them'} with), so the ${pruned} records ${checkpoints === 1 ? 'it covers' : 'they cover'} count as pruned on ${checkpoints === 1 ? 'its' : 'their'} word`;
