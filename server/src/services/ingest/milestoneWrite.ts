// POST /milestones (and a feed's milestones): valid milestones of sites the key may write, stored in one write with
// each case they complete settled in it.
import type { JudgedEvent, Site } from '../../protocol';
import type { MilestoneInput } from '../../protocol/eventTypes';
import { isDomainError } from '../../domain/errors';
import { conflictProblem } from './itemProblem';
import type { CaseKey, WriteTx } from '../../store/port';
import { settleCases } from './cases';
import { caseContextOf, configuredOrDefault, forbiddenSites, unknownSiteProblems, type IngestContext } from './context';
import { contradictingStops, misorderedMilestones, pairingConflicts, prepareMilestone, validateMilestones } from './milestones';
import type { CaseNews, MilestoneOutcome, SiteLimit } from './outcomes';
import { caseTwinSites, newSiteItems } from './siteCase';
import { newsOf, uniqueCases, writtenCases } from './writtenCases';

/** A write that adds milestones: its answer, the events it stored, the cases it touched and what it knows of them. */
export interface CasesWritten<O> {
  outcome: O;
  stored: JudgedEvent[];
  cases: CaseKey[];
  known: Map<string, CaseNews>;
}

/** An answer with nothing stored and no case touched: a refusal's, or an empty request's. */
export const nothingWritten = <O>(outcome: O): CasesWritten<O> => ({ outcome, stored: [], cases: [], known: new Map() });

/** Milestones that are valid, of sites the key may write, and not repeated within the request. */
export function validMilestones(ctx: IngestContext, items: readonly unknown[], sites: SiteLimit): { ok: true; inputs: MilestoneInput[] } | { ok: false; outcome: Exclude<MilestoneOutcome, { kind: 'stored' }> } {
  const validation = validateMilestones(items, ctx.registry(), ctx.now());
  if (!validation.ok) return { ok: false, outcome: { kind: 'invalid', problems: validation.problems } };
  const forbidden = forbiddenSites(validation.inputs, sites);
  if (forbidden.length > 0) return { ok: false, outcome: { kind: 'forbidden', problems: forbidden } };
  const repeated = pairingConflicts(validation.inputs);
  if (repeated.length > 0) return { ok: false, outcome: { kind: 'conflict', problems: repeated } };
  return { ok: true, inputs: validation.inputs };
}

/** Writes validated milestones inside `tx` and settles the cases they complete; no notification. */
export async function writeMilestones(ctx: IngestContext, part: WriteTx, inputs: readonly MilestoneInput[]): Promise<CasesWritten<MilestoneOutcome>> {
  if (inputs.length === 0) return nothingWritten({ kind: 'stored', results: [] });
  // One read of the request's sites, inside the write: what they are checked against is what the milestones are stored with.
  const storedSites = await part.sites.getMany(inputs.map((m) => m.site));
  const unknown = unknownSiteProblems(ctx, inputs, storedSites);
  const newSites = unknown.length > 0 ? [] : newSiteItems(inputs, storedSites);
  const problems = newSites.length > 0 ? (await caseTwinSites(inputs, newSites, part.sites)).problems : unknown;
  if (problems.length > 0) return nothingWritten({ kind: 'invalid', problems });
  // Read inside the write: no other write adds a milestone to these cases between the check and the insert.
  const misordered = await misorderedMilestones(part, inputs, ctx.registry());
  if (misordered.problems.length > 0) return nothingWritten({ kind: 'conflict', problems: misordered.problems });
  const contradicting = await contradictingStops(part, inputs, ctx.registry(), misordered.stored);
  if (contradicting.problems.length > 0) return nothingWritten({ kind: 'conflict', problems: contradicting.problems });
  const receivedAtMs = ctx.now();
  const sites = new Map<string, Site>();
  for (const m of inputs) if (!sites.has(m.site)) sites.set(m.site, configuredOrDefault(ctx, m.site, storedSites.get(m.site)));
  const batch = inputs.map((m, i) => prepareMilestone(m, sites.get(m.site)!, receivedAtMs, misordered.caseStored[i]));
  let written;
  try {
    written = await part.writes.milestones(batch);
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict' && error.at !== undefined) {
      return nothingWritten({ kind: 'conflict', problems: [conflictProblem(error.at, error)] });
    }
    throw error;
  }
  const fresh = written.filter((w) => !w.duplicate);
  const cases = uniqueCases(fresh.map((w) => w.milestone));
  const settled = await settleCases(part, cases, caseContextOf(ctx), writtenCases(fresh, misordered.stored, contradicting.rows));
  const stored = settled.flatMap((s) => (s.judged ? [s.judged] : []));
  const results = written.map((w) => ({ id: w.milestone.id, seq: w.milestone.seq, duplicate: w.duplicate, milestone: w.milestone }));
  return { outcome: { kind: 'stored', results }, stored, cases, known: newsOf(settled) };
}
