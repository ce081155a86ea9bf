// GET /api/v1/audit/verify (the whole chain recomputed) and /audit/head; POST /events/:id/void and /amend
// (corrections, scope admin).
import express from 'express';
import { z } from 'zod';
import { ringsSchema, secondsSchema, wellFormedString } from '../protocol';
import type { Core } from '../services/core';
import { keyIdOf } from './auth';
import { methodNotAllowed } from './fallbacks';
import { jsonBody } from './jsonBody';
import { problem, sendProblem } from './problems';

const reason = wellFormedString().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');
const voidBody = z.object({ reason }).strict();
const amendBody = z
  .object({
    reason,
    changes: z
      .object({
        outcome: z.enum(['answered', 'abandoned', 'greeted', 'left']).optional(),
        // The limits of ingest: a correction cannot store what a PBX could not have posted.
        rings: ringsSchema.optional(),
        answerSeconds: secondsSchema.optional(),
        greetSeconds: secondsSchema.optional(),
      })
      .strict()
      .refine((c) => Object.keys(c).length > 0, { message: 'must change at least one of outcome, rings, answerSeconds, greetSeconds' }),
  })
  .strict();

export function auditRouter(core: Core): express.Router {
  const router = express.Router();
  router
    .route('/audit/verify')
    .get(async (_req, res) => {
      res.status(200).json(await core.audit.verify());
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/audit/head')
    .get(async (_req, res) => {
      res.json(await core.audit.head());
    })
    .all(methodNotAllowed(['GET']));
  const json = jsonBody({ limit: '64kb', strict: true });
  for (const action of ['void', 'amend'] as const) {
    router
      .route(`/events/:id/${action}`)
      .post(json, async (req, res) => {
        const parsed = (action === 'void' ? voidBody : amendBody).safeParse(req.body ?? {});
        if (!parsed.success) {
          const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
          return sendProblem(res, problem(400, 'invalid-body', 'Invalid request body', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors));
        }
        res.status(201).json(await core.corrections.correct(req.params.id!, { action, ...parsed.data } as never, keyIdOf(res)));
      })
      .all(methodNotAllowed(['POST']));
  }
  return router;
}
