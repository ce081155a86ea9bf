// The audit side: the chain head, verification of the whole chain (one snapshot), and the HMAC key of retention
// checkpoints (<data>/audit.secret, mode 0600, never in the database). One secret per store: it is created with the
// store (at the server's first start, or at the first prune of a store no server started on) and its fingerprint is
// recorded in the store, so a node holding another one (not copied, so it made its own) refuses to sign a checkpoint
// that no other node's secret would verify, as a node with another signing key refuses to start (signing.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../domain/fileModes';
import { rollupProblems, siteProblem, sumsByBucket, valueProblems, valuesByBucket } from '../domain/derivedChecks';
import { checkpointSigned, secretFingerprint } from '../domain/retention';
import type { RollupSpan } from '../domain/ranges';
import { inValuePopulation, ROLLUP_GRAINS, VALUE_GRAINS } from '../domain/rollups';
import { verifyChain, type ChainProblem, type VerifyResult } from '../domain/verify';
import type { ChainHead, JudgementRange, RawValueCell, RecordedAuditSecret, Snapshot, Store } from '../store/port';
import { pacer } from './exports/format';
import { rawRows } from './rangeReads';

/** The file in a data folder holding the store's checkpoint secret. */
export const SECRET_FILE = 'audit.secret';

export function readSecret(dataDir: string, create: boolean): Buffer | null {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    if (!create) return null;
    try {
      // 'wx': never replaces a secret that appeared meanwhile (it may already have signed a checkpoint)
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/**
 * Verifies the chain as one snapshot holds it, and the rows derived from its records. `pace` is awaited between links
 * and between the derived checks' days (a request gives the event loop a turn; the command line needs none).
 */
export async function verifySnapshot(s: Snapshot, secret: Buffer | null, pace?: () => Promise<void>): Promise<VerifyResult> {
  return verifyChain({ links: s.chain.links(), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained(), derived: (chain) => derivedProblems(s, chain.broken, pace), ...(pace ? { pace } : {}) }, secret);
}

const DAY_MS = 86_400_000;

/**
 * A derived check that could not be made: its rows do not read (a record or row edited into text that is not JSON,
 * which the chain names on its own), so verification says so rather than fail as a whole.
 */
function unreadable(kind: string, ref: string, what: string, error: unknown): ChainProblem {
  return { seq: 0, kind, ref, problem: `${what} could not be checked: ${(error as Error).message ?? String(error)}` };
}

/**
 * The rows derived from chained records that differ from what those records give: each site's row against its latest
 * site record, then, a UTC day at a time (bounded memory, a read of each table per day), every rollup row and
 * value-histogram cell from the retention horizon on against the judgements recounted (through the raw reads and the
 * arithmetic of every figure, corrections applied). `chainBroken`: the chain walk before found problems (a rollup
 * problem's advice depends on it). `pace` is awaited between days.
 */
async function* derivedProblems(s: Snapshot, chainBroken: boolean, pace?: () => Promise<void>): AsyncGenerator<ChainProblem> {
  try {
    for (const site of await s.derived.guarded(() => s.derived.sites())) {
      const problem = siteProblem(site);
      if (problem) yield problem;
    }
  } catch (error) {
    yield unreadable('sites', 'sites', 'the sites rows against their history records', error);
  }
  const fromMs = (await s.audit.horizon())?.prunedBeforeMs ?? Number.MIN_SAFE_INTEGER;
  const standardIds = await s.derived.standardIds();
  const sites = await s.derived.siteIds();
  if (standardIds.length === 0) return;
  for (const day of await s.derived.days()) {
    if (day + DAY_MS <= fromMs) continue;
    yield* await readable(s, { fromMs: day, toMs: day + DAY_MS }, () => dayProblems(s, { standardIds, sites, fromMs: day, toMs: day + DAY_MS }, { horizonMs: fromMs, chainBroken }));
    await pace?.();
  }
}

/**
 * The problems of whole UTC days, or the one saying their rows could not be read (`unreadable`); the snapshot's later
 * reads are not spoiled by it (DerivedReads.guarded).
 */
async function readable(s: Snapshot, days: { fromMs: number; toMs: number }, check: () => Promise<ChainProblem[]>): Promise<ChainProblem[]> {
  try {
    return await s.derived.guarded(check);
  } catch (error) {
    const first = new Date(days.fromMs).toISOString().slice(0, 10);
    const last = new Date(days.toMs - DAY_MS).toISOString().slice(0, 10);
    const dates = first === last ? first : `${first}..${last}`;
    return [unreadable('rollups', dates, `the rollups and value histograms of ${first === last ? first : `${first} to ${last}`} (UTC)`, error)];
  }
}

/** From when cells are recounted (the retention horizon), and whether the chain walk found it broken. */
interface RecountAt {
  horizonMs: number;
  chainBroken: boolean;
}

/** One UTC day's rollup rows and histogram cells against its judgements recounted. */
async function dayProblems(s: Snapshot, day: { standardIds: string[]; sites: string[]; fromMs: number; toMs: number }, at: RecountAt): Promise<ChainProblem[]> {
  const range = { standardIds: day.standardIds, sites: [], fromMs: day.fromMs, toMs: day.toMs };
  const found = await rollupRowProblems(s, range, ROLLUP_GRAINS.map((grain) => ({ grain, fromMs: range.fromMs, toMs: range.toMs })), at);
  const values = (await s.figures.rawValueCells(range)).filter((c): c is RawValueCell & { value: number } => inValuePopulation(c));
  for (const grain of VALUE_GRAINS) {
    const stored = await s.figures.histogramCells({ ...range, sites: day.sites, grain: grain.name });
    found.push(...valueProblems({ table: s.derived.tables.value[grain.name], grain: grain.name, fromMs: at.horizonMs, chainBroken: at.chainBroken }, stored, valuesByBucket(values, grain.ms)));
  }
  return found;
}

/**
 * The rollup rows of `spans` (within `range`'s standards, sites and UTC day) against the judgements of the day's part
 * they cover, recounted once (voided judgements kept, as empty rows: their rows stay, taken back to nothing), read per
 * bucket of the finest grain checked rather than per instant: each bucket's sums are the same, from far fewer rows.
 */
async function rollupRowProblems(s: Snapshot, range: JudgementRange, spans: readonly RollupSpan[], at: RecountAt, checked = { rows: 0 }): Promise<ChainProblem[]> {
  const found: ChainProblem[] = [];
  if (spans.length === 0) return found;
  const extent = { fromMs: Math.min(...spans.map((x) => x.fromMs)), toMs: Math.max(...spans.map((x) => x.toMs)) };
  const raw = await rawRows(s, { ...range, ...extent, byInstant: true, cellMs: Math.min(...spans.map((x) => x.grain.ms)) }, true);
  for (const span of spans) {
    const stored = await s.figures.rollupSums({ ...range, fromMs: span.fromMs, toMs: span.toMs, grain: span.grain.name, shape: 'detail' });
    for (const row of stored) if (row.t >= at.horizonMs) checked.rows += 1;
    const inSpan = raw.length === 0 || (span.fromMs === extent.fromMs && span.toMs === extent.toMs) ? raw : raw.filter((r) => r.t >= span.fromMs && r.t < span.toMs);
    const table = { table: s.derived.tables.rollup[span.grain.name], grain: span.grain.name, fromMs: at.horizonMs, chainBroken: at.chainBroken };
    found.push(...rollupProblems(table, stored, sumsByBucket(inSpan, span.grain.ms)));
  }
  return found;
}

/** What a document covers: its standards, its sites ([]: all), and the rollup spans its figures are read from. */
export interface RollupScope {
  standardIds: readonly string[];
  sites: readonly string[];
  spans: readonly RollupSpan[];
}

/**
 * The rollup rows a document's figures are read from (`scope`) against their judgements recounted: the check
 * GET /audit/verify makes of every row, restricted to the document's spans, standards and sites, so its cost follows
 * the document's range, not the store. From the retention horizon on (before it the judgements are pruned and the
 * rows are all there is), several whole UTC days at a time (readDays), each read starting on the next day that holds
 * an event or a rollup row (DerivedReads.extent), their judgements read once for every grain's spans in them.
 * `chainBroken`: the document's chain verification found problems (the advice of each problem depends on it).
 */
export async function rollupScopeProblems(s: Snapshot, scope: RollupScope, chainBroken: boolean, pace?: () => Promise<void>): Promise<{ checked: number; problems: ChainProblem[] }> {
  const found: ChainProblem[] = [];
  const checked = { rows: 0 };
  const horizonMs = (await s.audit.horizon())?.prunedBeforeMs ?? Number.MIN_SAFE_INTEGER;
  const spans = mergedSpans(scope.spans).map((x) => ({ ...x, fromMs: Math.max(x.fromMs, bucketCeil(horizonMs, x.grain.ms)) })).filter((x) => x.fromMs < x.toMs);
  if (scope.standardIds.length === 0 || spans.length === 0) return { checked: 0, problems: found };
  const range = { standardIds: scope.standardIds, sites: scope.sites };
  // Only where an event or a rollup row is: a range from 1970 holds a few years of them at most, and a quiet month
  // between two busy ones is skipped (the next window starts on the next day that holds any).
  const where = { standardIds: scope.standardIds, toMs: Math.max(...spans.map((x) => x.toMs)) };
  const stepMs = readDays(spans) * DAY_MS;
  for (let held = await s.derived.extent({ ...where, fromMs: Math.min(...spans.map((x) => x.fromMs)) }); held !== null; ) {
    // Day boundaries are on every rollup grain's grid, so each span's part of the days read is whole buckets.
    const days = { fromMs: dayStart(held.firstMs), toMs: dayStart(held.firstMs) + stepMs };
    const parts = spans.map((x) => ({ ...x, fromMs: Math.max(x.fromMs, days.fromMs), toMs: Math.min(x.toMs, days.toMs) })).filter((x) => x.fromMs < x.toMs);
    if (parts.length > 0) {
      // A failure names the days of the document the read covered, not the whole step.
      const covered = { fromMs: dayStart(Math.min(...parts.map((x) => x.fromMs))), toMs: dayStart(Math.max(...parts.map((x) => x.toMs)) + DAY_MS - 1) };
      found.push(...(await readable(s, covered, () => rollupRowProblems(s, { ...range, ...days }, parts, { horizonMs, chainBroken }, checked))));
      await pace?.();
    }
    held = days.toMs >= where.toMs ? null : await s.derived.extent({ ...where, fromMs: days.toMs });
  }
  return { checked: checked.rows, problems: found };
}

/** The start of the UTC day `ms` is in. */
const dayStart = (ms: number) => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);

/**
 * Cells of its finest grain a document's check reads per key at once (judgements grouped by them, and rollup rows):
 * a week of hours. Memory grows with it times the keys (site × standard × version), and a read of more days saves
 * little: the judgements' own read is most of the cost.
 */
const CELLS_PER_READ = 168;

/** Whole UTC days read at once: as many as hold CELLS_PER_READ cells of the finest grain (an hour: 7; finer: 1). */
const readDays = (spans: readonly RollupSpan[]) => Math.max(1, Math.floor((CELLS_PER_READ * Math.min(...spans.map((x) => x.grain.ms))) / DAY_MS));

const bucketCeil = (ms: number, grainMs: number) => (ms <= Number.MIN_SAFE_INTEGER ? ms : Math.ceil(ms / grainMs) * grainMs);

/** Spans of each grain merged where they overlap or meet (a report reads its periods and its whole range). */
function mergedSpans(spans: readonly RollupSpan[]): RollupSpan[] {
  const merged: RollupSpan[] = [];
  for (const x of [...spans].sort((a, b) => a.grain.ms - b.grain.ms || a.fromMs - b.fromMs)) {
    const prev = merged.at(-1);
    if (prev && prev.grain.name === x.grain.name && x.fromMs <= prev.toMs) prev.toMs = Math.max(prev.toMs, x.toMs);
    else merged.push({ ...x });
  }
  return merged;
}

/** This node's audit.secret checked against the store's: the secret, or why it may not sign checkpoints. */
type SecretCheck = { ok: true; secret: Buffer } | { ok: false; problem: string };

/** Where the store's secret is, and where it goes. */
const fix = (dataDir: string, from: string) =>
  `copy ${SECRET_FILE} from ${from} into ${dataDir} (owner the server's user, mode 0600) before this node starts or prunes (docs/deployment.md)`;
const ANY_NODE = "a node that runs on this store (or the data folder of the SQLite store it was moved from)";
const PRUNER = "the node that pruned (the one whose secret verifies the store's checkpoints: verify --data ITS-FOLDER)";

/**
 * Checks `dataDir`'s audit.secret against the one the store records. A store with none recorded gets this node's
 * (created now if the folder has none), unless it was pruned before secrets were recorded: then the secret must be
 * the one that signed its latest checkpoint, and a folder without one is not given a new one.
 */
async function checkStoreSecret(store: Store, dataDir: string): Promise<SecretCheck> {
  const file = join(dataDir, SECRET_FILE);
  let secret = readSecret(dataDir, false);
  let recorded = await store.reads.audit.secret();
  if (!recorded) {
    const checkpoints = await store.snapshot((s) => s.chain.checkpoints());
    const latest = checkpoints.reduce<(typeof checkpoints)[number] | undefined>((a, c) => (a && a.seq > c.seq ? a : c), undefined);
    if (latest) {
      const { seq, hmac, ...fields } = latest;
      if (!secret) return { ok: false, problem: `${dataDir} holds no ${SECRET_FILE}, but the store has retention checkpoints, signed with the ${SECRET_FILE} of the node that pruned (the latest, checkpoint ${seq}): ${fix(dataDir, PRUNER)}` };
      if (!checkpointSigned(secret, fields, hmac)) return { ok: false, problem: `${file} is not the secret that signed the store's latest retention checkpoint (${seq}): ${fix(dataDir, PRUNER)}` };
    }
    secret ??= readSecret(dataDir, true)!;
    const mine = secretFingerprint(secret);
    recorded = await store.write((tx) => tx.writes.auditSecret(mine));
  }
  if (secret && recorded.fingerprint === secretFingerprint(secret)) return { ok: true, secret };
  return { ok: false, problem: mismatch(dataDir, secret, recorded) };
}

function mismatch(dataDir: string, secret: Buffer | null, recorded: RecordedAuditSecret): string {
  const mine = secret ? `${join(dataDir, SECRET_FILE)} is another secret (fingerprint ${secretFingerprint(secret)})` : `${dataDir} holds no ${SECRET_FILE}`;
  return (
    `${mine}, but the store's retention checkpoints are signed with the ${SECRET_FILE} of fingerprint ${recorded.fingerprint} ` +
    `(recorded ${new Date(recorded.recordedAtMs).toISOString()}): ${fix(dataDir, ANY_NODE)}`
  );
}

/** Either end of a recount: what follows it waits for it to end, however it ends (its callers get its failure). */
const ended = (): void => undefined;

export class AuditService {
  private checked: Buffer | null = null;
  /** The recount running now, and the one that requests arriving meanwhile share (verify). */
  private recounting: Promise<VerifyResult> | null = null;
  private nextRecount: Promise<VerifyResult> | null = null;

  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  /**
   * At start: this node's secret checked against the store's (on a new store, created and recorded). On a shared store
   * (PostgreSQL: several nodes) a node with another secret refuses to start; on its own SQLite file it starts and says
   * so through `warn` (it will not prune until the store's secret is back).
   */
  async open(shared: boolean, warn: (message: string) => void): Promise<void> {
    const check = await checkStoreSecret(this.store, this.dataDir);
    if (check.ok) {
      this.checked = check.secret;
      return;
    }
    if (shared) throw new Error(check.problem);
    warn(`${check.problem}; until then this node does not prune`);
  }

  head(): Promise<ChainHead> {
    return this.store.reads.audit.head();
  }

  /**
   * The whole chain recomputed, from a snapshot taken after the call. One recount runs at a time: the calls that come
   * while one runs share the next, which starts when it ends. A recount reads every link (seconds on a large store),
   * and thirty requests at once each ran their own, holding the CPU (ingest and /health answered in seconds) for as
   * long as all of them took; now any number of callers costs at most two.
   */
  verify(): Promise<VerifyResult> {
    if (this.nextRecount) return this.nextRecount;
    if (!this.recounting) return this.startRecount();
    const next = this.recounting.then(ended, ended).then(() => {
      this.nextRecount = null;
      return this.startRecount();
    });
    this.nextRecount = next;
    return next;
  }

  /** One recount of the whole chain, checkpoints checked with the secret when there is one (not shared: verify). */
  recount(): Promise<VerifyResult> {
    // Paced: on SQLite the reads are synchronous, and a whole store's recount must not hold ingest and the live push.
    return this.store.snapshot((s) => verifySnapshot(s, readSecret(this.dataDir, false), pacer()));
  }

  private startRecount(): Promise<VerifyResult> {
    const run = this.recount();
    this.recounting = run;
    void run.then(ended, ended).then(() => {
      if (this.recounting === run) this.recounting = null;
    });
    return run;
  }

  /** The HMAC key retention signs checkpoints with; refused when this node's secret is not the store's. */
  async signingSecret(): Promise<Buffer> {
    if (this.checked) return this.checked;
    const check = await checkStoreSecret(this.store, this.dataDir);
    if (!check.ok) throw new Error(check.problem);
    this.checked = check.secret;
    return check.secret;
  }

  /** The key if there is one (verification without creating it). */
  existingSecret(): Buffer | null {
    return this.checked ?? readSecret(this.dataDir, false);
  }
}
