// The one validation step of the API: path parameters, query and body through their zod schemas, every refusal
// answered with the same problem shape (400, each field named with why: `errors: [{path, message}]`).
import type { Request, RequestHandler, Response } from 'express';
import typeIs from 'type-is';
import { z } from 'zod';
import { malformedTextProblem, parseInput, type FieldProblem } from '../protocol';
import { didYouMean } from '../protocol/nearMiss';
import { unknownKeysFirst, zodProblems } from '../services/zodProblems';
import { BODY_TYPES, hasNoBody } from './jsonBody';
import { decoded, NOT_PERCENT_UTF8, queryOf, rawParams, undecodableFormFields, undecodableParams } from './percentEncoding';
import { fieldsDetail, INVALID_QUERY, problem, sendProblem } from './problems';
import { givenMoreThanOnce, isNotTaken } from './queryParams';
import type { AppContext, BodySpec, InvalidAnswer, Route, RouteInput, SchemaOf } from './route';

const INVALID_PARAMS: InvalidAnswer = { slug: 'invalid-path', title: 'Invalid path parameter' };
const INVALID_BODY: InvalidAnswer = { slug: 'invalid-body', title: 'Invalid request body' };

/** The 400 answer naming every problem: "path message; path message" in `detail`, each one in `errors`. */
function invalidProblem(answer: InvalidAnswer, errors: FieldProblem[]) {
  return problem(400, answer.slug, answer.title, fieldsDetail(errors), errors);
}

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldProblem[] };

type Issue = z.ZodError['issues'][number];

/**
 * Runs a schema; unknown keys are reported first, with the message the part of the request gives them (a body's: a
 * field's). `retold`: how the part of the request words an issue the schema's message would mislead about.
 */
function parseWith<T>(schema: z.ZodType<T>, input: unknown, unknownKey?: (key: string) => string, retold?: (issue: Issue) => Issue): Parsed<T> {
  const parsed = parseInput(schema, input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const error = retold ? new z.ZodError(parsed.error.issues.map(retold)) : parsed.error;
  return { ok: false, errors: zodProblems(unknownKeysFirst(error), [], unknownKey) };
}

/**
 * Query parameters: an unknown one is named with the list of the known ones (knownParams), and the one of them it most likely mistypes; one
 * given more than once where a schema reads one value is told so (givenMoreThanOnce), not that it is "a list".
 */
export function parseQuery<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const known = knownParams(schema);
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const repeated = (issue: Issue): Issue => {
    const values = issue.code === 'invalid_type' && issue.path.length === 1 ? given[String(issue.path[0])] : undefined;
    return Array.isArray(values) ? { ...issue, message: givenMoreThanOnce(values) } : issue;
  };
  return parseWith(schema, raw, (key) => `is not a known parameter (known: ${known.join(', ')})${didYouMean(key, known)}`, repeated);
}

/**
 * The names of a query string's parameters, decoded where they can be, each once: for a route that takes none,
 * every one is refused (a `?dryRun=1` or `?site=x` it would ignore would answer another question than the one asked).
 */
function queryNames(url: string): string[] {
  return [...new Set(rawParams(queryOf(url)).map(([name]) => decoded(name) ?? name))];
}

/**
 * The parameters of a path (below the API prefix) matching `template` ("/standards/:id", "/alerts/*rest") whose text
 * is not percent-encoded UTF-8, by name; null when the path does not match the template. Express's router throws on
 * such a parameter before any route runs, naming neither it nor the route's problem type.
 */
function undecodablePathParams(template: string, path: string): FieldProblem[] | null {
  const want = template.split('/');
  // Express's router takes a path with one slash at its end as the same route (`/standards/%ff/`).
  const got = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  const problems: FieldProblem[] = [];
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith('*')) {
      if (got.length <= i) return null;
      if (got.slice(i).some((g) => decoded(g) === null)) problems.push({ path: w.slice(1), message: NOT_PERCENT_UTF8 });
      return problems;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(':')) {
      if (g === '') return null;
      if (decoded(g) === null) problems.push({ path: w.slice(1), message: NOT_PERCENT_UTF8 });
    } else if (decoded(g) !== w) return null;
  }
  return got.length === want.length ? problems : null;
}

/**
 * Answers a request whose path parameter is not percent-encoded UTF-8 (`/standards/%ff`) as every invalid path
 * parameter is answered (400 naming it, the route's problem type), before Express's router fails on it.
 */
export function refuseUndecodablePath(routes: readonly Route[]): RequestHandler {
  return (req, res, next) => {
    if (req.path.split('/').every((segment) => decoded(segment) !== null)) return next();
    const candidates = routes.filter((r) => r.method === req.method || r.method === 'ALL' || (req.method === 'HEAD' && r.method === 'GET'));
    for (const route of [...candidates, ...routes]) {
      const problems = undecodablePathParams(route.path, req.path);
      if (!problems || problems.length === 0) continue;
      if (route.noStore) res.setHeader('Cache-Control', 'no-store');
      return void sendProblem(res, invalidProblem(route.params?.invalid ?? INVALID_PARAMS, problems));
    }
    next();
  };
}

/**
 * The parameters a query schema takes, also behind transforms (the input of a pipe): its object's keys but those it
 * refuses whenever given (notTakenParam), which are refused in their own words rather than listed as known.
 */
function knownParams(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, param]) => (isNotTaken(param) ? [] : [key]));
  const inner = (schema as unknown as { def?: { in?: z.ZodType } }).def?.in;
  return inner ? knownParams(inner) : [];
}

async function resolve<T>(spec: SchemaOf<T>, req: Request, app: AppContext): Promise<z.ZodType<T>> {
  return typeof spec === 'function' ? spec(req, app) : spec;
}

/** What a route tells a client to send, in its 415 and in its answer to a request without a body. */
function whatToSend(spec: BodySpec<unknown>): string {
  return `send ${spec.what} as ${BODY_TYPES[spec.format ?? 'json'][0]}`;
}

/**
 * The body as the route declares it; or, after answering, null: 415 for a body in another media type (naming
 * Content-Type, as a charset not taken is named), 400 naming (body) for a route that needs a body and got none.
 */
function rawBody(spec: BodySpec<unknown>, req: Request, res: Response): { body: unknown } | null {
  const empty = hasNoBody(req);
  const types = BODY_TYPES[spec.format ?? 'json'];
  // The header, not the body, says what was sent: a request of the right type without a body is an empty one.
  const declared = req.headers['content-type'];
  if ((spec.media === 'required' || !empty) && !typeIs.is(declared ?? '', [...types])) {
    const got = `got ${declared ?? 'none'}`;
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `${whatToSend(spec)} (${got})`, [{ path: 'Content-Type', message: `must be ${types.join(' or ')} (${got})` }]));
    return null;
  }
  if (!empty) return { body: req.body };
  if (spec.media === 'when-present') return { body: {} };
  sendProblem(res, invalidProblem(spec.invalid ?? INVALID_BODY, [{ path: '(body)', message: `is empty: ${whatToSend(spec)}` }]));
  return null;
}

/**
 * The parameters (of a path, query string or form body, as decoded) whose text breaks the text rule
 * (protocol/text.ts: a `%00`), by name. Checked before a route's own schema, and for every route: a parameter
 * read without one (a key's id) would reach the store, which PostgreSQL refuses as an internal error.
 */
function badTextParams(values: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(values)) {
    for (const text of [value].flat()) {
      const message = typeof text === 'string' ? malformedTextProblem(text) : null;
      if (message) {
        problems.push({ path: name, message });
        break;
      }
    }
  }
  return problems;
}

/** `first`, then each of `more` whose parameter it does not name already (one problem per parameter). */
const besides = (first: FieldProblem[], more: FieldProblem[]) => [...first, ...more.filter((m) => !first.some((f) => f.path === m.path))];

/** The route's validated input, or null after answering the refusal. */
export async function validateInput(route: Route, req: Request, res: Response, app: AppContext): Promise<RouteInput<unknown, unknown, unknown> | null> {
  const refuse = (answer: InvalidAnswer, errors: FieldProblem[]) => (sendProblem(res, invalidProblem(answer, errors)), null);
  // A route served without Express (http/direct.ts) has no parameters in its path: {} as Express gives it.
  let params: unknown = req.params ?? {};
  const badPath = badTextParams(req.params ?? {});
  if (badPath.length > 0) return refuse(route.params?.invalid ?? INVALID_PARAMS, badPath);
  if (route.params) {
    const parsed = parseWith(route.params.schema, req.params, () => 'is not a known parameter');
    if (!parsed.ok) return refuse(route.params.invalid ?? INVALID_PARAMS, parsed.errors);
    params = parsed.value;
  }
  let query: unknown = undefined;
  if (route.query) {
    // An undecodable parameter's problem is that one: what the parser made of it is not what was sent. Text the
    // rule refuses is refused before the schema is made, since making it may look the value up (a report's site).
    const refused = besides(undecodableParams(queryOf(req.originalUrl ?? req.url ?? '')), badTextParams(req.query));
    if (refused.some((r) => r.message !== NOT_PERCENT_UTF8)) return refuse(route.query.invalid ?? INVALID_QUERY, refused);
    const parsed = parseQuery(await resolve(route.query.schema, req, app), req.query);
    const errors = [...refused, ...(parsed.ok ? [] : parsed.errors.filter((e) => !refused.some((u) => u.path === e.path)))];
    if (!parsed.ok || errors.length > 0) return refuse(route.query.invalid ?? INVALID_QUERY, errors);
    query = parsed.value;
  } else if (route.method !== 'ALL' && !route.probe) {
    // (An ALL route answers a resource that is gone, whatever was asked of it; a probe answers whatever it is asked.)
    const unknown = queryNames(req.originalUrl ?? req.url ?? '');
    if (unknown.length > 0) return refuse(INVALID_QUERY, unknown.map((path) => ({ path, message: 'is not a known parameter (this route takes none)' })));
  }
  let body: unknown = undefined;
  if (route.body) {
    const raw = rawBody(route.body, req, res);
    if (!raw) return null;
    // A form value that is not percent-encoded UTF-8 was read as something else (U+FFFD, or its raw text): refused.
    const undecodable = route.body.format === 'form' ? besides(undecodableFormFields(req), badTextParams((req.body ?? {}) as Record<string, unknown>)) : [];
    if (undecodable.length > 0) return refuse(route.body.invalid ?? INVALID_BODY, undecodable);
    const parsed = parseWith(await resolve(route.body.schema, req, app), raw.body);
    if (!parsed.ok) return refuse(route.body.invalid ?? INVALID_BODY, parsed.errors);
    body = parsed.value;
  }
  return { params, query, body, req, res };
}
