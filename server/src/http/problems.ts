// RFC 9457 problem bodies: every 4xx/5xx the API sends goes through here.
import type { ServerResponse } from 'node:http';
import type { FieldProblem, ProblemDetails } from '../protocol';
import { messageNamesField } from '../protocol/pure/fieldProblems';
import { FieldErrors, INVALID_KEY_REQUEST, QUERY_PARAMETER, type DomainError, type DomainErrorKind } from '../domain/errors';
import { wellFormedAccept } from './accept';

const TYPE_BASE = 'https://ringside.dev/problems/';

export function problem(status: number, slug: string, title: string, detail: string, errors?: FieldProblem[]): ProblemDetails {
  return { type: TYPE_BASE + slug, title, status, detail, ...(errors ? { errors } : {}) };
}

/** How a refusal of a write says that none of the request was kept. */
export const NOTHING_STORED = '; nothing from this request was stored';

/**
 * Every refusal of who is asking or what they may do (401, 403: no key, a key refused, a scope or a site it lacks, a
 * signature, an origin) goes through here. As every other refusal it names in `errors` what is wrong and why: the
 * credential the request used or should have used (`Authorization`, or a door's own header such as
 * `X-Amz-Firehose-Access-Key` or `X-Twilio-Signature`), or the field naming a site the key may not write
 * (`events.3.site`, `site`). `detail` says it in a sentence of its own, as clients have always read it.
 */
export function accessRefusal(status: 401 | 403, slug: string, title: string, detail: string, errors: FieldProblem[]): ProblemDetails {
  return problem(status, slug, title, detail, errors);
}

/**
 * 403 for a site outside a key's list. The detail is the refusal itself, which names the site and those the key may
 * write (plus `more`, e.g. that nothing was stored), without the field's path before it: `errors` says where.
 */
export function siteNotAllowed(errors: FieldProblem[], more = ''): ProblemDetails {
  return accessRefusal(403, 'site-not-allowed', 'Site not allowed for this key', `${errors[0]?.message ?? 'a site outside this key\'s list'}${more}`, errors);
}

/**
 * 406 for an Accept header that accepts none of the media types an answer is offered in, or is no valid Accept header:
 * names `Accept` (as a 415 names Content-Type), says which, and lists the offered types; `advice`: how else to choose one.
 */
export function notAcceptable(accept: string, offered: readonly string[], advice: string): ProblemDetails {
  const must = wellFormedAccept(accept) ? 'must accept' : 'must be media ranges (type/subtype, each with an optional q from 0 to 1) accepting';
  const message = `${must} one of ${offered.join(', ')} (got ${accept.slice(0, 200)})`;
  return problem(406, 'not-acceptable', 'Not acceptable', `Accept ${message}; ${advice}`, [{ path: 'Accept', message }]);
}

/**
 * The detail of a 400 naming its fields: "path message; path message" ("to must be later than from"); a message that
 * names its field itself (messageNamesField) is set off by a colon, "standard: unknown standard …", so the path does
 * not run into it ("standard unknown standard …").
 */
export const fieldsDetail = (errors: readonly FieldProblem[]): string =>
  errors.map((e) => `${e.path}${messageNamesField(e.path, e.message) ? ':' : ''} ${e.message}`).join('; ');

export function sendProblem(res: ServerResponse, p: ProblemDetails): void {
  sendJsonText(res, p.status, 'application/problem+json; charset=utf-8', JSON.stringify(p));
}

/**
 * A JSON answer with the headers Express's `res.json` gives it, written with node:http alone: the routes served
 * without Express (http/direct.ts) answer through here too. Node leaves the body out of an answer to HEAD.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendJsonText(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sendJsonText(res: ServerResponse, status: number, type: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

const BY_KIND: Record<DomainErrorKind, { status: number; slug: string; title: string }> = {
  invalid: { status: 400, slug: 'invalid-body', title: 'Invalid request body' },
  'not-found': { status: 404, slug: 'not-found', title: 'Not found' },
  conflict: { status: 409, slug: 'conflict', title: 'Conflict' },
  gone: { status: 410, slug: 'gone', title: 'Gone' },
  forbidden: { status: 403, slug: 'forbidden', title: 'Forbidden' },
  unavailable: { status: 503, slug: 'storage-unavailable', title: 'Storage unavailable' },
};

/** A query parameter's problem, from the query parser or a service (DomainError code QUERY_PARAMETER). */
export const INVALID_QUERY = { slug: QUERY_PARAMETER, title: 'Invalid query parameter' };

/** Titles of the precise codes a DomainError may carry (the kind's title otherwise). */
const TITLES: Record<string, string> = {
  [QUERY_PARAMETER]: INVALID_QUERY.title,
  [INVALID_KEY_REQUEST.slug]: INVALID_KEY_REQUEST.title,
  'incident-not-found': 'Incident not found',
  'key-not-found': 'No such key',
  'key-not-revocable': 'Key cannot be revoked here',
  'last-admin-key': 'Last admin key',
};

/**
 * The problem answer for a domain error: its status by kind, its type by code (else kind), the field it names
 * (a storage failure, or an error about no field, names none).
 */
export function domainProblem(error: DomainError): ProblemDetails {
  const k = BY_KIND[error.kind];
  const slug = error.code ?? k.slug;
  const title = (error.code && TITLES[error.code]) || k.title;
  if (error.kind === 'unavailable' || error.path === '') return problem(k.status, slug, title, error.message);
  const errors = error instanceof FieldErrors ? [...error.problems] : [{ path: error.path, message: error.message }];
  return problem(k.status, slug, title, fieldsDetail(errors), errors);
}

/** "events.3.rings" for a batch, "rings" for a single event, "(body)" for the event as a whole. */
export function fieldPath(prefix: Array<string | number>, path: Array<string | number>): string {
  return [...prefix, ...path].join('.') || '(body)';
}
