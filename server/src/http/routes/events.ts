// POST /events and /milestones (ingest), GET /events/:id (an event read back, as stored and as it stands), and the
// corrections of a stored event, POST /events/:id/void and /amend.
import type { Response } from 'express';
import { z } from 'zod';
import type { IngestResponse } from '../../protocol';
import { MILESTONE_BATCH_KEY, type MilestonesResponse } from '../../protocol/eventTypes';
import { amendmentProblems, type AmendChanges } from '../../domain/corrections';
import type { CorrectionResult, EventReadback } from '../../services/corrections';
import type { IngestService } from '../../services/ingest/ingest';
import { betweenFieldsIssue, ringsSchema, secondsSchema, wellFormedString } from '../../protocol';
import type { Committer } from '../../services/ingest/groupCommit';
import type { ItemProblem } from '../../services/ingest/itemProblem';
import { itemMessage, keyIdOf, siteLimitOf } from '../caller';
import { openEnvelope, openMilestoneBody } from '../envelope';
import { fieldPath, NOTHING_STORED, problem, sendJson, sendProblem, siteNotAllowed } from '../problems';
import { route, type BodySpec, type SchemaOf } from '../route';
import { idParams, type IdParams } from './editable';

const MAX_BODY = '1mb';

const reason = wellFormedString().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');
const voidBody = z.strictObject({ reason });
// The limits of ingest (the same schemas): a correction cannot store what a PBX could not have posted.
const AMEND_FIELDS = { outcome: z.enum(['answered', 'abandoned', 'greeted', 'left']), rings: ringsSchema, answerSeconds: secondsSchema, greetSeconds: secondsSchema };

/**
 * An amendment of an event of `type`, read before the body is validated (undefined: no such event, which the write
 * answers 404), so that a field the type does not have, an outcome it does not take, or a type that may only be voided
 * is named beside every other problem of the body. The write checks the same again (amendmentProblems).
 */
function amendBody(type: string | undefined) {
  const ofType = <T>(field: keyof AmendChanges, schema: z.ZodType<T>): z.ZodType<T> =>
    type === undefined
      ? schema
      : schema.superRefine((value, ctx) => {
          for (const p of amendmentProblems(type, { [field]: value })) if (p.path === `changes.${field}`) ctx.addIssue({ code: 'custom', message: p.message });
        });
  const changes = z
    .strictObject({
      outcome: ofType('outcome', AMEND_FIELDS.outcome).optional(),
      rings: ofType('rings', AMEND_FIELDS.rings).optional(),
      answerSeconds: ofType('answerSeconds', AMEND_FIELDS.answerSeconds).optional(),
      greetSeconds: ofType('greetSeconds', AMEND_FIELDS.greetSeconds).optional(),
    })
    // Not beside a problem of its own fields: an unknown field is told so, and is not also told to change one.
    .refine((c) => Object.keys(c).length > 0, { message: 'must change at least one of outcome, rings, answerSeconds, greetSeconds', when: ({ issues }) => issues.length === 0 });
  return z.strictObject({ reason, changes }).superRefine(
    (_body, ctx) => {
      const voidOnly = type === undefined ? undefined : amendmentProblems(type, {}).find((p) => p.path === 'action');
      if (voidOnly) betweenFieldsIssue(ctx, ['action'], voidOnly.message);
    },
    { when: ({ value }) => value !== null && typeof value === 'object' },
  );
}

// JSON only, checked before the fields (415 for text or a form, as every JSON endpoint), then the fields.
const correctionBody = <T>(schema: SchemaOf<T>): BodySpec<T> => ({ limit: '64kb', media: 'required', what: 'the correction', schema });

type Envelope = { ok: true; mode: 'single' | 'batch'; items: unknown[] } | { ok: false; status: 400 | 413; title: string; path: string; message: string };
type Outcome<R> = { kind: 'invalid' | 'conflict' | 'forbidden'; problems: ItemProblem[] } | { kind: 'stored'; results: R[] };

/** How one kind of ingest is answered: its batch key, and the problem type and title of each refusal. */
export interface IngestAnswers {
  batchKey: string;
  /**
   * What the ingest service calls the request's items where a problem names another of them (`milestones.0 of this
   * request`): renamed to batchKey when an adapter posts them under another (a custom integration's `mapped`).
   */
  itemsKey: string;
  /** The path prefix of a single item's fields (none for a posted object: its fields are the body's). */
  singleKey?: string;
  /** Who produced the items, at the start of the detail (a custom integration's mapping). */
  source?: string;
  invalid: { slug: string; title: string };
  conflict: (problems: ItemProblem[]) => { slug: string; title: string };
}

const CASE_ENDED = { slug: 'case-ended', title: 'Case already ended' };

export const EVENT_ANSWERS: IngestAnswers = {
  batchKey: 'events',
  itemsKey: 'events',
  invalid: { slug: 'invalid-event', title: 'Invalid event' },
  // A caseId names a case that already ended: its milestones were posted and it is judged, or a stop of its own
  // ended it with another outcome. An occurredAt that does not begin when the open case it closes started would
  // count the case at another time.
  conflict: (problems) =>
    problems.some((p) => p.caseEnded || p.path[0] === 'caseId')
      ? CASE_ENDED
      : problems.some((p) => p.path[0] === 'occurredAt') ? { slug: 'case-start-mismatch', title: "Event does not begin when its case started" } : { slug: 'id-conflict', title: 'Event id already used' },
};

export const MILESTONE_ANSWERS: IngestAnswers = {
  batchKey: MILESTONE_BATCH_KEY,
  itemsKey: MILESTONE_BATCH_KEY,
  invalid: { slug: 'invalid-milestone', title: 'Invalid milestone' },
  // A milestone timed out of order with another of its case (a stop before its start) names `at`; a second stop of
  // a case that already ended is a case-ended, as an event for it is.
  conflict: (problems) =>
    problems.some((p) => p.caseEnded)
      ? CASE_ENDED
      : problems.some((p) => p.path[0] === 'at') ? { slug: 'milestone-order', title: 'Milestone out of order with its case' } : { slug: 'milestone-conflict', title: 'Milestone already posted with other content' },
};

/**
 * One request's events or milestones, stored all or nothing: 201 when any is new, 200 when all were stored before,
 * else the problem naming each field (its path inside a batch) and why.
 */
export async function ingestRequest<R extends { duplicate: boolean }>(envelope: Envelope, answers: IngestAnswers, store: (items: unknown[]) => Promise<Outcome<R>>, res: Response): Promise<void> {
  if (!envelope.ok) {
    const detail = `${answers.source ? `${answers.source}: ` : ''}${envelope.path} ${envelope.message}`;
    sendProblem(res, problem(envelope.status, 'invalid-body', envelope.title, detail, [{ path: envelope.path, message: envelope.message }]));
    return;
  }
  const prefix = (index: number) => (envelope.mode === 'batch' ? [answers.batchKey, index] : answers.singleKey ? [answers.singleKey] : []);
  const toFields = (problems: ItemProblem[]) => problems.map((p) => ({ path: fieldPath(prefix(p.index), p.path), message: inRequestTerms(itemMessage(res, p), answers) }));
  const outcome = await store(envelope.items);
  if (outcome.kind === 'stored') {
    sendJson(res, outcome.results.some((r) => !r.duplicate) ? 201 : 200, { results: outcome.results });
    return;
  }
  const errors = toFields(outcome.problems);
  if (outcome.kind === 'forbidden') {
    sendProblem(res, siteNotAllowed(errors, NOTHING_STORED));
    return;
  }
  const { slug, title } = outcome.kind === 'invalid' ? answers.invalid : answers.conflict(outcome.problems);
  const detail = `${answers.source ? `${answers.source}: ` : ''}${outcome.kind === 'invalid' ? `${errors.length} invalid field(s)` : (errors[0]?.message ?? 'conflict')}`;
  sendProblem(res, problem(outcome.kind === 'invalid' ? 400 : 409, slug, title, `${detail}${NOTHING_STORED}`, errors));
}

/** A problem's message naming another item of the request as the answer's paths name it (IngestAnswers.itemsKey). */
function inRequestTerms(message: string, answers: IngestAnswers): string {
  if (answers.itemsKey === answers.batchKey) return message;
  return message.replace(new RegExp(`\\b${answers.itemsKey}\\.(\\d+) of this request`, 'g'), `${answers.batchKey}.$1 of this request`);
}

// A key limited to sites writes only those (callerOf(res).key.sites); without keys (--no-auth) every site.
const postEvents = (commit: Committer, body: unknown, res: Response) =>
  ingestRequest<IngestResponse['results'][number]>(openEnvelope(body), EVENT_ANSWERS, (items) => commit(items, siteLimitOf(res)), res);

const postMilestones = (ingest: IngestService, body: unknown, res: Response) =>
  ingestRequest<MilestonesResponse['results'][number]>(openMilestoneBody(body), MILESTONE_ANSWERS, (items) => ingest.ingestMilestones(items, siteLimitOf(res)), res);

/** 201 with the correction recorded; 200 with the event as it stands when the amendment would change nothing. */
async function answerCorrection(correction: Promise<CorrectionResult>, res: Response): Promise<undefined> {
  const result = await correction;
  sendJson(res, result.changed ? 201 : 200, result);
  return undefined;
}

export const eventRoutes = [
  route<unknown, undefined, unknown>({
    method: 'POST',
    path: '/events',
    scope: 'ingest',
    direct: true,
    body: { limit: MAX_BODY, media: 'required', what: 'an event object or {"events": [...]}', items: 'events', schema: z.unknown() },
    handle: ({ body, res }, app) => postEvents(app.commit, body, res),
  }),
  route<unknown, undefined, unknown>({
    method: 'POST',
    path: '/milestones',
    scope: 'ingest',
    direct: true,
    body: { limit: MAX_BODY, media: 'required', what: 'a milestone object or {"milestones": [...]}', items: 'milestones', schema: z.unknown() },
    handle: ({ body, res }, app) => postMilestones(app.core.ingest, body, res),
  }),
  // What was stored, for a key that reads. Reads are not limited by site: a key with a site list is an ingest key
  // (services/keys.ts), refused here for its scope as on every read.
  route<IdParams>({
    method: 'GET',
    path: '/events/:id',
    scope: 'read',
    params: idParams,
    handle: ({ params }, app): Promise<EventReadback> => app.core.corrections.read(params.id),
  }),
  // Corrections are new records an administrator decides on.
  route<{ id: string }, undefined, z.infer<typeof voidBody>>({
    method: 'POST',
    path: '/events/:id/void',
    scope: 'admin',
    body: correctionBody(voidBody),
    handle: ({ params, body, res }, app) => answerCorrection(app.core.corrections.correct(params.id, { action: 'void', ...body }, keyIdOf(res)), res),
  }),
  route<{ id: string }, undefined, z.infer<ReturnType<typeof amendBody>>>({
    method: 'POST',
    path: '/events/:id/amend',
    scope: 'admin',
    body: correctionBody(async (req, app) => amendBody(await app.core.corrections.typeOf((req.params as { id: string }).id))),
    handle: ({ params, body, res }, app) => answerCorrection(app.core.corrections.correct(params.id, { action: 'amend', ...body }, keyIdOf(res)), res),
  }),
];
