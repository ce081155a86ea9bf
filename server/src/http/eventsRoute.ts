// POST /api/v1/events — a thin adapter from HTTP to the ingest service.
import express, { type Request, type Response } from 'express';
import type { IngestResponse } from '../protocol';
import { MILESTONE_BATCH_KEY, openMilestoneEnvelope, type MilestonesResponse } from '../protocol/eventTypes';
import type { IngestService } from '../services/ingest/ingest';
import { groupCommit, type Committer } from '../services/ingest/groupCommit';
import type { ItemProblem } from '../services/ingest/itemProblem';
import { openEnvelope } from './envelope';
import { fieldPath, problem, sendProblem } from './problems';
import { methodNotAllowed } from './fallbacks';
import { jsonBody, JSON_TYPES } from './jsonBody';

export const MAX_BODY = '1mb';

export function eventsRouter(ingest: IngestService): express.Router {
  const router = express.Router();
  const commit = groupCommit(ingest); // concurrent POSTs share one transaction (one fsync)
  router
    .route('/events')
    .post(requireJson, jsonBody({ limit: MAX_BODY, strict: false }), (req, res) => postEvents(commit, req, res))
    .all(methodNotAllowed(['POST']));
  router
    .route('/milestones')
    .post(requireJson, jsonBody({ limit: MAX_BODY, strict: false }), (req, res) => postMilestones(ingest, req, res))
    .all(methodNotAllowed(['POST']));
  return router;
}

function requireJson(req: Request, res: Response, next: () => void): void {
  if (req.is(JSON_TYPES)) return next();
  const got = req.headers['content-type'] ?? 'none';
  sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `send events as application/json (got ${got})`));
}

async function postEvents(commit: Committer, req: Request, res: Response): Promise<void> {
  // The JSON parser turns an empty body into {}; say what is actually wrong.
  const empty = req.headers['content-length'] === '0' || req.body === undefined;
  const envelope = openEnvelope(empty ? undefined : req.body);
  if (!envelope.ok) {
    sendProblem(res, problem(envelope.status, 'invalid-body', envelope.title, `${envelope.path} ${envelope.message}`, [{ path: envelope.path, message: envelope.message }]));
    return;
  }
  const prefix = (index: number) => (envelope.mode === 'batch' ? ['events', index] : []);
  const toFields = (problems: ItemProblem[]) => problems.map((p) => ({ path: fieldPath(prefix(p.index), p.path), message: p.message }));
  const outcome = await commit(envelope.items);
  if (outcome.kind === 'invalid') {
    const errors = toFields(outcome.problems);
    const detail = `${errors.length} invalid field(s); nothing from this request was stored`;
    sendProblem(res, problem(400, 'invalid-event', 'Invalid event', detail, errors));
    return;
  }
  if (outcome.kind === 'conflict') {
    const errors = toFields(outcome.problems);
    const caseEnded = outcome.problems.some((p) => p.path[0] === 'caseId');
    sendProblem(res, problem(409, caseEnded ? 'case-ended' : 'id-conflict', caseEnded ? 'Case already ended' : 'Event id already used', `${errors[0]?.message ?? 'id conflict'}; nothing from this request was stored`, errors));
    return;
  }
  const body: IngestResponse = { results: outcome.results };
  res.status(outcome.results.some((r) => !r.duplicate) ? 201 : 200).json(body);
}

/** POST /milestones: the same envelope rules, problems and answers as POST /events. */
async function postMilestones(ingest: IngestService, req: Request, res: Response): Promise<void> {
  const empty = req.headers['content-length'] === '0' || req.body === undefined;
  const envelope = openMilestoneEnvelope(empty ? undefined : req.body);
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
  const body: MilestonesResponse = { results: outcome.results };
  res.status(outcome.results.some((r) => !r.duplicate) ? 201 : 200).json(body);
}
