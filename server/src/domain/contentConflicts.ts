import { contentDifference } from './canonical';

// The words of a 409 for an id or a milestone's pairing key reused with other content, one definition for both
// stores and the in-request checks: each names the fields that differ (contentDifference), so a sender sees whether
// it changed a value or wrote a retry another way; with both values only where both came from its own request.

const withDifference = (message: string, difference: string): string => (difference === '' ? message : `${message}: ${difference}`);

/** An event id stored before (its seq) with other content. */
export function eventIdConflict(id: string, seq: number, storedContent: string, sentContent: string): string {
  return withDifference(`id ${JSON.stringify(id)} was already used for a different event (seq ${seq})`, contentDifference(storedContent, sentContent));
}

/** One event id given twice in one batch (items `first` and `index`) with different content. */
export function batchIdConflict(id: string, first: number, index: number, firstContent: string, content: string): string {
  return withDifference(
    `events.${first}.id and events.${index}.id are the same id (${JSON.stringify(id)}) with different content`,
    contentDifference(firstContent, content, [`events.${first}`, `events.${index}`]),
  );
}

interface MilestoneKey { type: string; site: string; caseId: string; milestone: string }

/** A milestone's pairing key stored before (its seq) with other content. */
export function milestoneKeyConflict(m: MilestoneKey, seq: number, storedContent: string, sentContent: string): string {
  const message = withDifference(`${m.type} ${JSON.stringify(m.caseId)} at ${JSON.stringify(m.site)} already has a different "${m.milestone}" milestone (seq ${seq})`, contentDifference(storedContent, sentContent));
  return `${message}; a milestone is posted once`;
}

/** A milestone id stored before (its seq) for another milestone. */
export function milestoneIdConflict(id: string, seq: number, storedContent: string, sentContent: string): string {
  return withDifference(`id ${JSON.stringify(id)} was already used for a different milestone (seq ${seq})`, contentDifference(storedContent, sentContent));
}

/** One milestone (its pairing key) twice in one request (items `first` and `index`) with different content. */
export function requestMilestoneConflict(first: number, index: number, firstContent: string, content: string): string {
  return withDifference(
    `milestones.${first} and milestones.${index} are the same milestone of one case with different content`,
    contentDifference(firstContent, content, [`milestones.${first}`, `milestones.${index}`]),
  );
}
