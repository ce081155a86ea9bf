// POST /integrations/custom/:id: any JSON a system posts, turned by the standards file's JSONata mapping for
// that integration into milestones or events, then ingested exactly as POST /milestones or /events would
// (validation, idempotency, all or nothing). Problems name the integration and the mapped field
// (`mapped.at`, `mapped.2.caseId`), since the poster's own body has no such field.
import { z } from 'zod';
import { LIMITS } from '../../protocol';
import { didYouMean } from '../../protocol/nearMiss';
import { siteLimitOf } from '../caller';
import { NOTHING_STORED, problem, sendProblem } from '../problems';
import { route } from '../route';
import { EVENT_ANSWERS, ingestRequest, MILESTONE_ANSWERS } from './events';

const MAX_BODY = '1mb';
const params = z.strictObject({ id: z.string().min(1).max(64) });

export const customIntegrationRoutes = [
  route<z.infer<typeof params>, undefined, unknown>({
    method: 'POST',
    path: '/integrations/custom/:id',
    scope: 'ingest',
    params: { schema: params },
    body: { limit: MAX_BODY, media: 'required', what: 'the JSON your mapping reads', items: 'items', schema: z.unknown() },
    handle: async ({ params: { id }, body, res }, app) => {
      const source = `integration "${id}"`;
      const result = await app.core.customIntegrations.map(id, body);
      switch (result.kind) {
        case 'unknown': {
          const known = app.core.customIntegrations.ids();
          const named = `"${id}" (the standards file declares ${known.length > 0 ? known.join(', ') : 'none'})${didYouMean(id, known)}`;
          // Named in errors as the path parameter, as an unknown site or standard is.
          return sendProblem(res, problem(404, 'integration-not-found', 'No such integration', `no custom integration ${named}`, [{ path: 'id', message: `unknown integration ${named}` }]));
        }
        case 'failed':
          return sendProblem(res, problem(400, 'mapping-failed', 'Mapping failed', `${source}: the mapping failed on this body: ${result.message}${NOTHING_STORED}`, [{ path: '(body)', message: result.message }]));
        case 'invalid':
          return sendProblem(res, problem(400, 'invalid-mapping-output', 'Invalid mapping output', `${source}: the mapping ${result.message}${NOTHING_STORED}`, [{ path: result.path, message: result.message }]));
        case 'nothing':
          // The mapping chose to record nothing (an event the poster sends that is not measured): not an error,
          // or the poster would retry it forever.
          res.status(200).json({ results: [] });
          return undefined;
        case 'mapped': {
          // The batch limit of POST /events and /milestones holds for what a mapping makes of a body too.
          const envelope =
            result.items.length > LIMITS.maxBatch
              ? { ok: false as const, status: 413 as const, title: 'Batch too large', path: 'mapped', message: `must be at most ${LIMITS.maxBatch} ${result.into}, as one POST /${result.into} takes (the mapping produced ${result.items.length})` }
              : { ok: true as const, mode: result.single ? ('single' as const) : ('batch' as const), items: result.items };
          if (result.into === 'milestones') return ingestRequest(envelope, { ...MILESTONE_ANSWERS, batchKey: 'mapped', singleKey: 'mapped', source }, (items) => app.core.ingest.ingestMilestones(items, siteLimitOf(res)), res);
          return ingestRequest(envelope, { ...EVENT_ANSWERS, batchKey: 'mapped', singleKey: 'mapped', source }, (items) => app.commit(items, siteLimitOf(res)), res);
        }
      }
    },
  }),
];
