// Other systems' own formats, taken as they send them: Asterisk's queue_log lines, Twilio TaskRouter callbacks and
// Amazon Connect contact records through a Firehose HTTP endpoint. Each is read by its integration (pure) and
// stored through the one ingest path (IngestService.ingestFeed: validation, idempotency, all or nothing, chain).
import type { Request, Response } from 'express';
import { z } from 'zod';
import { LIMITS, siteId, wellFormedString } from '../../protocol';
import type { FeedInput, FeedOutcome } from '../../services/ingest/outcomes';
import { queueLogFeed, type QueueLogFeed } from '../../integrations/asterisk/feed';
import { QueueLogError, readQueueLog } from '../../integrations/asterisk/queueLog';
import { resolveStays } from '../../integrations/asterisk/stays';
import { mapContactRecordDelivery } from '../../integrations/amazonConnect/contactRecords';
import { FirehoseDeliveryError, firehoseRequestId, firehoseResponse } from '../../integrations/amazonConnect/firehose';
import { isValidTwilioSignature } from '../../integrations/twilio/signature';
import { mapTaskRouterEvent, TaskRouterError } from '../../integrations/twilio/taskRouter';
import type { FieldProblem } from '../../protocol';
import { itemMessage, siteLimitOf } from '../caller';
import { accessRefusal, fieldsDetail, NOTHING_STORED, problem, sendProblem, siteNotAllowed } from '../problems';
import { BASIC_PASSWORD, FIREHOSE_ACCESS_KEY, route, type AppContext } from '../route';

const siteQuery = z.strictObject({
  site: siteId(wellFormedString().trim().min(1, 'must name the site the records belong to').max(LIMITS.maxTextLength, `must be at most ${LIMITS.maxTextLength} characters`)),
});
type SiteQuery = z.infer<typeof siteQuery>;

const formBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
type FormBody = z.infer<typeof formBody>;

/** The 400 or 409 answer of a refused feed: each refused record named by `nameOf` (its line, its event, …). */
function feedRefusal(res: Response, outcome: Exclude<FeedOutcome, { kind: 'stored' }>, nameOf: (part: 'milestones' | 'events', index: number) => string): void {
  const errors: FieldProblem[] = outcome.problems.map((p) => ({ path: `${nameOf(outcome.part, p.index)}: ${p.path.join('.')}`, message: itemMessage(res, p) }));
  const detail = `${fieldsDetail(errors)}${NOTHING_STORED}`;
  if (outcome.kind === 'invalid') sendProblem(res, problem(400, 'invalid-record', 'Invalid record', detail, errors));
  else if (outcome.kind === 'forbidden') sendProblem(res, siteNotAllowed(errors, NOTHING_STORED));
  else sendProblem(res, problem(409, 'record-conflict', 'Record conflicts with one stored', detail, errors));
}

/** How many of the stored records were new (a re-post stores nothing new). */
function storedCounts(outcome: Extract<FeedOutcome, { kind: 'stored' }>) {
  const fresh = (results: ReadonlyArray<{ duplicate: boolean }>) => results.filter((r) => !r.duplicate).length;
  return { new: fresh(outcome.milestones) + fresh(outcome.events), duplicates: outcome.milestones.length + outcome.events.length - fresh(outcome.milestones) - fresh(outcome.events) };
}

/** Ends skipped because their case had already closed by expiry (ingestFeed), with the cases they were for. */
function lateCounts(outcome: Extract<FeedOutcome, { kind: 'stored' }>) {
  return { count: outcome.late.length, caseIds: outcome.late.map((l) => l.caseId) };
}

/** A queue_log start older than this when it arrives is not shown as a running clock (integrations/asterisk/feed.ts). */
const LIVE_START_SECONDS = 60;

const EMPTY_FEED: FeedInput = { milestones: [], events: [], withdrawals: [] };

async function postQueueLog(text: unknown, site: string, req: Request, res: Response, app: AppContext): Promise<unknown> {
  const body = typeof text === 'string' ? text : '';
  // Blank lines are skipped; a body of nothing else is a request with nothing in it, refused as an empty one is.
  if (body.trim() === '') {
    const message = 'has no lines but blank ones';
    sendProblem(res, problem(400, 'invalid-body', 'Invalid request body', `(body) ${message}: send queue_log lines as text/plain`, [{ path: '(body)', message }]));
    return undefined;
  }
  let readings;
  try {
    readings = readQueueLog(body, { wholeLines: true });
  } catch (error) {
    if (!(error instanceof QueueLogError)) throw error;
    const errors = error.problems.map((p) => ({ path: `line ${p.line}${p.field ? ` ${p.field}` : ''}`, message: p.message }));
    // Beyond the listed ones, how many more (a sender's tool reads it rather than the detail's words).
    sendProblem(res, { ...problem(400, 'invalid-queue-log', 'Invalid queue_log', `${error.message}${NOTHING_STORED}`, errors), ...(error.more > 0 ? { moreProblems: error.more } : {}) });
    return undefined;
  }
  const liveSinceMs = app.now() - LIVE_START_SECONDS * 1000;
  // Which stay of its channel in its queue a line is depends on the stays stored: read in the write that stores them.
  let built: QueueLogFeed | undefined;
  const outcome = await app.core.ingest.ingestFeed(async (cases) => (built = queueLogFeed(readings, await resolveStays(readings, site, cases, liveSinceMs), site, liveSinceMs)), siteLimitOf(res));
  const feed = built!;
  if (outcome.kind !== 'stored') {
    const records = { milestones: feed.milestones, events: feed.events };
    return feedRefusal(res, outcome, (part, index) => {
      const id = records[part][index]?.id ?? '';
      return `line ${feed.lineOf.get(id) ?? '?'} (${id})`;
    });
  }
  return { ...feed.summary, late: lateCounts(outcome), stored: storedCounts(outcome) };
}

/** The URL Twilio called: the configured public origin, else the request's own scheme and Host, plus the path and query. */
function calledUrl(req: Request, app: AppContext): string {
  return `${app.integrations.publicUrl ?? `${req.protocol}://${req.headers.host ?? ''}`}${req.originalUrl}`;
}

async function postTaskRouter(params: FormBody, site: string, req: Request, res: Response, app: AppContext): Promise<unknown> {
  const token = app.integrations.twilioAuthToken;
  if (!token) {
    const errors = [{ path: 'X-Twilio-Signature', message: 'cannot be verified: this server has no Twilio auth token (RINGSIDE_TWILIO_AUTH_TOKEN)' }];
    sendProblem(res, accessRefusal(403, 'twilio-not-configured', 'Twilio not configured', 'this server has no Twilio auth token (RINGSIDE_TWILIO_AUTH_TOKEN), so no callback can be verified', errors));
    return undefined;
  }
  const signature = req.headers['x-twilio-signature'];
  if (!isValidTwilioSignature(token, typeof signature === 'string' ? signature : undefined, calledUrl(req, app), params)) {
    const why = signature === undefined ? 'is missing' : 'does not match this request (URL, parameters and the configured auth token)';
    sendProblem(res, accessRefusal(403, 'bad-signature', 'Bad Twilio signature', `X-Twilio-Signature ${why}${NOTHING_STORED}`, [{ path: 'X-Twilio-Signature', message: why }]));
    return undefined;
  }
  let mapped;
  try {
    mapped = mapTaskRouterEvent(params, site);
  } catch (error) {
    if (!(error instanceof TaskRouterError)) throw error;
    sendProblem(res, problem(400, 'invalid-callback', 'Invalid TaskRouter callback', error.message, [{ path: error.field, message: error.message.slice(error.field.length + 1) }]));
    return undefined;
  }
  if (mapped.kind === 'ignored') return { eventType: mapped.eventType, ignored: true, reason: mapped.reason };
  const outcome = await app.core.ingest.ingestFeed({ ...EMPTY_FEED, milestones: [mapped.milestone] }, siteLimitOf(res));
  if (outcome.kind !== 'stored') return feedRefusal(res, outcome, () => mapped.eventType);
  return { eventType: mapped.eventType, milestone: mapped.milestone.milestone, caseId: mapped.milestone.caseId, stored: storedCounts(outcome) };
}

/**
 * Firehose expects its own response body, echoing the delivery's requestId, whatever happens: a non-200 with
 * errorMessage makes it retry the request. A body without a requestId to echo was not sent by Firehose (it always
 * sends one) and gets the API's own 400, naming the field, rather than an answer in Firehose's format with a made-up id.
 */
async function postFirehose(body: unknown, site: string, res: Response, app: AppContext): Promise<void> {
  const id = firehoseRequestId(body);
  if (!('requestId' in id)) return sendProblem(res, problem(400, 'invalid-delivery', 'Invalid Firehose delivery', `${fieldsDetail([id])}${NOTHING_STORED}`, [id]));
  const { requestId } = id;
  const answer = (status: number, errorMessage?: string) => void res.status(status).json(firehoseResponse(requestId, new Date(app.now()), errorMessage));
  let mapping;
  try {
    mapping = mapContactRecordDelivery(body, site);
  } catch (error) {
    if (!(error instanceof FirehoseDeliveryError)) throw error;
    return answer(400, `${error.message}${NOTHING_STORED}`);
  }
  const outcome = await app.core.ingest.ingestFeed({ ...EMPTY_FEED, events: mapping.events }, siteLimitOf(res));
  if (outcome.kind !== 'stored') {
    const problems = outcome.problems.map((p) => `contact ${mapping.events[p.index]?.caseId ?? '?'}: ${p.path.join('.')} ${itemMessage(res, p)}`);
    return answer(outcome.kind === 'invalid' ? 400 : 409, `${problems.join('; ')}${NOTHING_STORED}`);
  }
  app.logger.info({ requestId, site, ...mapping.summary, late: lateCounts(outcome), stored: storedCounts(outcome) }, 'firehose delivery stored');
  answer(200);
}

export const integrationRoutes = [
  route<Record<string, string>, SiteQuery, unknown>({
    method: 'POST',
    path: '/integrations/asterisk/queue-log',
    scope: 'ingest',
    query: { schema: siteQuery },
    body: { limit: '4mb', format: 'text', media: 'required', what: 'queue_log lines', items: 'lines', schema: z.unknown() },
    handle: ({ body, query, req, res }, app) => postQueueLog(body, query.site, req, res, app),
  }),
  route<Record<string, string>, SiteQuery, FormBody>({
    method: 'POST',
    path: '/integrations/twilio/taskrouter',
    scope: 'ingest',
    key: BASIC_PASSWORD,
    query: { schema: siteQuery },
    body: { limit: '64kb', format: 'form', media: 'required', what: 'the TaskRouter event', schema: formBody, invalid: { slug: 'invalid-callback', title: 'Invalid TaskRouter callback' } },
    handle: ({ body, query, req, res }, app) => postTaskRouter(body, query.site, req, res, app),
  }),
  route<Record<string, string>, SiteQuery, unknown>({
    method: 'POST',
    path: '/integrations/amazon-connect/firehose',
    scope: 'ingest',
    key: FIREHOSE_ACCESS_KEY,
    query: { schema: siteQuery },
    // Firehose buffers up to its configured size (at most 64 MiB) and base64 grows it by a third.
    body: { limit: '16mb', media: 'required', what: 'the Firehose delivery', items: 'records', schema: z.unknown() },
    handle: ({ body, query, res }, app) => postFirehose(body, query.site, res, app),
  }),
];
