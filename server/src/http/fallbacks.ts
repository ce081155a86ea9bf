// The answers for everything no route handled: wrong method, unknown path, parser errors, bugs.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDomainError } from '../domain/errors';
import { pathOf, type NodeErrorHandler } from './plain';
import type { ProblemDetails } from '../protocol';
import { MAX_FORM_PARAMETERS, type TooLargeBody } from './jsonBody';
import { MAX_JSON_DEPTH } from './jsonDepth';
import { domainProblem, problem, sendProblem } from './problems';

/** Marks the 405 answer of a path, so a walk of the router can tell it from the routes themselves. */
export const METHOD_NOT_ALLOWED = Symbol('method not allowed');

export function methodNotAllowed(allowed: string[]): RequestHandler {
  const answer: RequestHandler = (req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    sendProblem(res, problem(405, 'method-not-allowed', 'Method not allowed', `${req.method} is not supported on ${req.baseUrl + req.path}; use ${allowed.join(' or ')}`));
  };
  return Object.assign(answer, { [METHOD_NOT_ALLOWED]: true });
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'not-found', 'Not found', `no such resource: ${req.method} ${req.baseUrl + req.path}`));
};

/**
 * body-parser errors carry a `type`; map the ones a client can cause to their own clear answer, naming the part of the
 * request at fault as every 400 names its field: `(body)`, or the header that announced what could not be read.
 */
const CLIENT_ERRORS: Record<string, { status: number; slug: string; title: string; detail: string; path: string; message: string }> = {
  'entity.parse.failed': { status: 400, slug: 'malformed-json', title: 'Malformed JSON', detail: 'the request body is not valid JSON', path: '(body)', message: 'is not valid JSON' },
  'charset.unsupported': { status: 415, slug: 'unsupported-charset', title: 'Unsupported charset', detail: 'send the body as UTF-8', path: 'Content-Type', message: 'must name charset utf-8, or none' },
  'entity.invalid.utf8': { status: 400, slug: 'invalid-utf8', title: 'Body is not UTF-8', detail: 'the request body is not valid UTF-8', path: '(body)', message: 'is not valid UTF-8' },
  'encoding.unsupported': { status: 415, slug: 'unsupported-encoding', title: 'Unsupported content encoding', detail: 'send the body uncompressed, or as gzip, deflate or br', path: 'Content-Encoding', message: 'must be gzip, deflate, br or none' },
  'request.aborted': { status: 400, slug: 'request-aborted', title: 'Request aborted', detail: 'the client closed the connection before the body arrived', path: '(body)', message: 'did not arrive whole' },
  'entity.too.deep': { status: 400, slug: 'json-too-deep', title: 'JSON nested too deeply', detail: `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep; no request needs more than a few`, path: '(body)', message: `is nested more than ${MAX_JSON_DEPTH} levels deep` },
  'request.size.invalid': { status: 400, slug: 'body-size-mismatch', title: 'Body size mismatch', detail: 'the body length does not match Content-Length', path: '(body)', message: 'does not match Content-Length' },
  'parameters.too.many': { status: 413, slug: 'too-many-parameters', title: 'Too many form parameters', detail: `the form has more than ${MAX_FORM_PARAMETERS} parameters`, path: '(body)', message: `has more than ${MAX_FORM_PARAMETERS} parameters` },
};

/** "64 KB", "1 MB": a route's body limit (bytes, as body-parser reports it) as its table writes it. */
export function sizeText(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb} MB` : `${Math.round(bytes / 1024)} KB`;
}

/**
 * 413 for a body over its route's limit, saying that limit (16 KB for a key request, 1 MB for events …). The body is
 * not read, so its items are not counted; when Content-Length gave its size (an uncompressed body), the answer says
 * by how much it is over, and for a batch (BodySpec.items) what share of it fits, which for like items is the share
 * of them to send per request. One object over the limit is told its size only: splitting it would not help.
 */
function tooLarge(err: TooLargeBody): ProblemDetails {
  const { limit, length, items } = err;
  const size = typeof limit === 'number' ? sizeText(limit) : "this endpoint's limit";
  const known = typeof limit === 'number' && typeof length === 'number' && length > limit;
  const fits = !known
    ? items === undefined ? '' : '; send less per request'
    : items === undefined
      ? `: it is ${length.toLocaleString('en')} bytes, ${(length - limit).toLocaleString('en')} over`
      : `: it is ${length.toLocaleString('en')} bytes, so ${fitting(limit / length)} of its ${items} fit in one request (split it into ${Math.ceil(length / limit)} or more)`;
  return problem(413, 'body-too-large', 'Request body too large', `the request body exceeds ${size} (counted after decompression), the most this endpoint takes${fits}`, [
    { path: '(body)', message: `must be at most ${size}` },
  ]);
}

/** The share of a body that fits, as the 413 says it: "about 81 %", or "less than 1 %" of a body a hundred times over. */
const fitting = (share: number): string => (share < 0.01 ? 'less than 1 %' : `about ${Math.floor(share * 100)} %`);

/**
 * A body that does not decompress as its Content-Encoding says (zlib's Z_DATA_ERROR "incorrect header check",
 * brotli's "Decompression failed"): body-parser passes zlib's error on without a type of its own.
 */
function undecompressable(err: unknown, encoding: string | string[] | undefined): ProblemDetails | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof encoding !== 'string' || typeof code !== 'string' || !/^(Z_|ERR__ERROR_)/.test(code)) return null;
  const message = `is not valid ${encoding} data, as Content-Encoding says`;
  return problem(400, 'undecodable-body', 'Body does not decompress', `the request body ${message} (${(err as Error).message})`, [{ path: '(body)', message }]);
}

export function errorHandler(logger: Logger): NodeErrorHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: unknown } | null)?.type;
    if (type === 'entity.too.large') return sendProblem(res, tooLarge(err as TooLargeBody));
    const compressed = undecompressable(err, req.headers['content-encoding']);
    if (compressed) return sendProblem(res, compressed);
    const known = typeof type === 'string' ? CLIENT_ERRORS[type] : undefined;
    if (known) {
      // A body that is not UTF-8 says where (bodyText.ts): its sender has bytes to find, maybe in a long log.
      const where = (err as { where?: unknown }).where;
      const more = typeof where === 'string' && where !== '' ? `: ${where}` : '';
      sendProblem(res, problem(known.status, known.slug, known.title, known.detail + more, [{ path: known.path, message: known.message + more }]));
      return;
    }
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, problem(status, 'bad-request', 'Bad request', (err as Error).message ?? 'bad request'));
      return;
    }
    if (isDomainError(err)) {
      if (err.kind === 'unavailable') {
        // Disk full, read-only folder, I/O error: the transaction rolled back; say so and let clients retry. An
        // expected condition, not a bug: no stack, and one log line, the request's own (http/httpHardening.ts),
        // which carries why.
        res.locals.logError = `storage unavailable: ${err.message}`;
        res.setHeader('Retry-After', '30');
      }
      sendProblem(res, domainProblem(err));
      return;
    }
    logger.error({ err, method: req.method, path: pathOf(req) }, 'unexpected error');
    // No stack, no internals: the log has them.
    sendProblem(res, problem(500, 'internal-error', 'Internal server error', 'something went wrong on the server; the error was logged'));
  };
}
