// POST /events and /milestones (ingest) and the corrections of a stored event, POST /events/:id/void and /amend.
import type { Response } from 'express';
import { z } from 'zod';
import type { IngestResponse } from '../../protocol';
import { MILESTONE_BATCH_KEY, openMilestoneEnvelope, type MilestonesResponse } from '../../protocol/eventTypes';
import type { IngestService } from '../../services/ingest/ingest';
import { ringsSchema, secondsSchema, wellFormedString } from '../../protocol';
import type { Committer } from '../../services/ingest/groupCommit';
import type { ItemProblem } from '../../services/ingest/itemProblem';
import { keyIdOf } from '../caller';
import { openEnvelope } from '../envelope';
import { fieldPath, problem, sendProblem } from '../problems';
import { route, type BodySpec } from '../route';

const MAX_BODY = '1mb';

const reason = wellFormedString().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');
const voidBody = z.strictObject({ reason });
// The limits of ingest (the same schemas): a correction cannot store what a PBX could not have posted.
const amendBody = z.strictObject({
  reason,
  changes: z
    .strictObject({ outcome: z.enum(['answered', 'abandoned', 'greeted', 'left']).optional(), rings: ringsSchema.optional(), answerSeconds: secondsSchema.optional(), greetSeconds: secondsSchema.optional() })
    .refine((c) => Object.keys(c).length > 0, { message: 'must change at least one of outcome, rings, answerSeconds, greetSeconds' }),
});

const correctionBody = <T>(schema: z.ZodType<T>): BodySpec<T> => ({ limit: '64kb', strict: true, media: 'parsed', schema });

/** The events of one request, stored all or nothing: 201 when any is new, 200 when all were stored before. */
async function postEvents(commit: Committer, body: unknown, empty: boolean, res: Response): Promise<void> {
  const envelope = openEnvelope(empty ? undefined : body);
  if (!envelope.ok) {
    sendProblem(res, problem(envelope.status, 'invalid-body', envelope.title, `${envelope.path} ${envelope.message}`, [{ path: envelope.path, message: envelope.message }]));
    return;
  }
  const prefix = (index: number) => (envelope.mode === 'batch' ? ['events', index] : []);
  const toFields = (problems: ItemProblem[]) => problems.map((p) => ({ path: fieldPath(prefix(p.index), p.path), message: p.message }));
  const outcome = await commit(envelope.items);
  if (outcome.kind === 'invalid') {
    const errors = toFields(outcome.problems);
    sendProblem(res, problem(400, 'invalid-event', 'Invalid event', `${errors.length} invalid field(s); nothing from this request was stored`, errors));
    return;
  }
  if (outcome.kind === 'conflict') {
    const errors = toFields(outcome.problems);
    // A caseId names a case that already ended: its milestones were posted and it is judged.
    const caseEnded = outcome.problems.some((p) => p.path[0] === 'caseId');
    sendProblem(res, problem(409, caseEnded ? 'case-ended' : 'id-conflict', caseEnded ? 'Case already ended' : 'Event id already used', `${errors[0]?.message ?? 'id conflict'}; nothing from this request was stored`, errors));
    return;
  }
  const answer: IngestResponse = { results: outcome.results };
  res.status(outcome.results.some((r) => !r.duplicate) ? 201 : 200).json(answer);
}

/** The milestones of one request: the same envelope rules, problems and answers as the events. */
async function postMilestones(ingest: IngestService, body: unknown, empty: boolean, res: Response): Promise<void> {
  const envelope = openMilestoneEnvelope(empty ? undefined : body);
  if (!envelope.ok) {
    sendProblem(res, problem(envelope.status, 'invalid-body', envelope.title, `${envelope.path} ${envelope.message}`, [{ path: envelope.path, message: envelope.message }]));
    return;
  }
  const prefix = (index: number) => (envelope.mode === 'batch' ? [MILESTONE_BATCH_KEY, index] : []);
  const toFields = (problems: ItemProblem[]) => problems.map((p) => ({ path: fieldPath(prefix(p.index), p.path), message: p.message }));
  const outcome = await ingest.ingestMilestones(envelope.items);
  if (outcome.kind === 'invalid') {
    const errors = toFields(outcome.problems);
    sendProblem(res, problem(400, 'invalid-milestone', 'Invalid milestone', `${errors.length} invalid field(s); nothing from this request was stored`, errors));
    return;
  }
  if (outcome.kind === 'conflict') {
    const errors = toFields(outcome.problems);
    sendProblem(res, problem(409, 'milestone-conflict', 'Milestone already posted with other content', `${errors[0]?.message ?? 'conflict'}; nothing from this request was stored`, errors));
    return;
  }
  const answer: MilestonesResponse = { results: outcome.results };
  res.status(outcome.results.some((r) => !r.duplicate) ? 201 : 200).json(answer);
}

export const eventRoutes = [
  route<unknown, undefined, unknown>({
    method: 'POST',
    path: '/events',
    scope: 'ingest',
    body: { limit: MAX_BODY, strict: false, media: 'required', what: 'events', schema: z.unknown() },
    // The JSON parser turns an empty body into {}; the envelope says what is actually wrong.
    handle: ({ body, req, res }, app) => postEvents(app.commit, body, req.headers['content-length'] === '0' || body === undefined, res),
  }),
  route<unknown, undefined, unknown>({
    method: 'POST',
    path: '/milestones',
    scope: 'ingest',
    body: { limit: MAX_BODY, strict: false, media: 'required', what: 'milestones', schema: z.unknown() },
    handle: ({ body, req, res }, app) => postMilestones(app.core.ingest, body, req.headers['content-length'] === '0' || body === undefined, res),
  }),
  // Corrections are new records an administrator decides on.
  route<{ id: string }, undefined, z.infer<typeof voidBody>>({
    method: 'POST',
    path: '/events/:id/void',
    scope: 'admin',
    status: 201,
    body: correctionBody(voidBody),
    handle: ({ params, body, res }, app) => app.core.corrections.correct(params.id, { action: 'void', ...body }, keyIdOf(res)),
  }),
  route<{ id: string }, undefined, z.infer<typeof amendBody>>({
    method: 'POST',
    path: '/events/:id/amend',
    scope: 'admin',
    status: 201,
    body: correctionBody(amendBody),
    handle: ({ params, body, res }, app) => app.core.corrections.correct(params.id, { action: 'amend', ...body }, keyIdOf(res)),
  }),
];
