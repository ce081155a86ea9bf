// Corrections: an event is voided or amended by a new record (domain/corrections.ts decides what it changes), written
// with its compensating rollup deltas and its audit log entry in one transaction; and an event read back by its id,
// as stored and as it stands after its corrections.
import type { CorrectedJudgement, JudgedEvent, StandardVersion } from '../protocol';
import { planCorrection, statesOf, type CorrectionInput, type EffectiveJudgement, type EventState } from '../domain/corrections';
import { DomainError, notFoundById, notFoundMessage } from '../domain/errors';
import { DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import type { Store } from '../store/port';

export interface CorrectionResult {
  /** False for an amendment that would leave the event as it stands: nothing was recorded (seq and at are null). */
  changed: boolean;
  seq: number | null;
  eventId: string;
  eventSeq: number;
  action: 'void' | 'amend';
  /** The event's measured fields in force after the correction (outcome, rings, answerSeconds, greetSeconds, derived). */
  fields: EventState['fields'];
  /** Judgements in force after the correction (standard id → met/counted/value/reason). */
  judgements: Record<string, CorrectedJudgement>;
  previous: Record<string, CorrectedJudgement>;
  at: string | null;
}

/** How an event stands now, after its corrections: what every figure counts it as. */
interface EventStanding {
  /** True once a void is recorded: the event counts nowhere (`judgements` is {}). */
  void: boolean;
  /** The measured fields in force (as recorded, or as the latest amendment left them; a void keeps the last ones). */
  fields: EventState['fields'];
  /** The judgements in force, as a correction's answer gives them. */
  judgements: Record<string, CorrectedJudgement>;
  /** How many corrections are recorded for the event (voids and amendments that changed it). */
  corrections: number;
}

/** GET /events/:id: the event as stored with its judgements as recorded (the live feed's shape), and its standing. */
export interface EventReadback extends JudgedEvent {
  standing: EventStanding;
}

/**
 * The chained record keeps met/counted as 1/0 and, read back, its keys sorted; the answer gives them as booleans and
 * in the order of every other answer's judgements, whichever state it was read from.
 */
function answered(judgements: Record<string, EffectiveJudgement>): Record<string, CorrectedJudgement> {
  const out: Record<string, CorrectedJudgement> = {};
  for (const [standardId, j] of Object.entries(judgements)) {
    out[standardId] = { standardVersion: j.standardVersion, measure: j.measure, value: j.value, threshold: j.threshold, met: j.met === 1, counted: j.counted === 1, reason: j.reason };
  }
  return out;
}

export class CorrectionsService {
  constructor(
    private readonly store: Store,
    private readonly versions: (standardId: string) => readonly StandardVersion[],
  ) {}

  /** The type of the stored event `eventId` (undefined: none), which an amendment's fields are checked against. */
  async typeOf(eventId: string): Promise<string | undefined> {
    return (await this.store.reads.events.correctionSubject(eventId))?.event.type;
  }

  correct(eventId: string, input: CorrectionInput, keyId: string): Promise<CorrectionResult> {
    return this.store.write(async (tx) => {
      const subject = await tx.events.correctionSubject(eventId);
      if (!subject) throw await this.missing(eventId, 'corrected');
      const e = subject.event;
      const before = statesOf(subject.recorded, subject.corrections).at(-1)!;
      const site = await tx.sites.get(e.site);
      const { changes, after, changed } = planCorrection(e, before, input, { versions: this.versions, ringCycleSeconds: site?.ringCycleSeconds ?? DEFAULT_RING_CYCLE_SECONDS });
      const answer = { eventId: e.id, eventSeq: e.seq, action: input.action, fields: after.fields, judgements: answered(after.judgements), previous: answered(before.judgements) };
      if (!changed) return { changed, seq: null, ...answer, at: null };
      const at = tx.nowMs;
      const seq = await tx.writes.correction(subject, { eventSeq: e.seq, action: input.action, changes, rejudged: after.judgements, reason: input.reason, keyId, atMs: at }, after);
      await tx.writes.auditLog({ keyId, action: `event.${input.action}`, target: e.id, details: { eventSeq: e.seq, correctionSeq: seq, reason: input.reason, ...(input.action === 'amend' ? { changes: input.changes } : {}) } });
      return { changed, seq, ...answer, at: new Date(at).toISOString() };
    });
  }

  /** The event `eventId` as stored and as it stands now; an unknown id is answered as a correction's is (missing). */
  async read(eventId: string): Promise<EventReadback> {
    // One read of the event gives both its stored shape and what its standing is worked out from.
    const read = await this.store.reads.events.readBack(eventId);
    if (!read) throw await this.missing(eventId, 'read');
    const { stored, subject } = read;
    const now = statesOf(subject.recorded, subject.corrections).at(-1)!;
    return { ...stored, standing: { void: now.voided, fields: now.fields, judgements: answered(now.judgements), corrections: subject.corrections.length } };
  }

  /**
   * An unknown event: not found, or gone once retention has pruned anything. Retention deletes events with their
   * ids, so a pruned id cannot be told from one never stored: the answer names the cutoff and says so, and what can
   * no longer be done with the event (`done`).
   */
  private async missing(eventId: string, done: 'corrected' | 'read'): Promise<DomainError> {
    const horizon = await this.store.reads.audit.horizon();
    if (!horizon) return notFoundById('event', eventId);
    const cutoff = new Date(horizon.prunedBeforeMs).toISOString();
    return new DomainError('gone', 'id', `${notFoundMessage('event', eventId)} is stored: events that occurred before ${cutoff} were pruned by retention (checkpoint ${horizon.checkpointSeq}) and can no longer be ${done}`);
  }
}
