// The answers for everything no route handled: wrong method, unknown path, parser errors, bugs.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDomainError } from '../domain/errors';
import { pathOf, type NodeErrorHandler } from './plain';
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

/** body-parser errors carry a `type`; map the ones a client can cause to their own clear answer. */
const CLIENT_ERRORS: Record<string, { status: number; slug: string; title: string; detail: string }> = {
  'entity.parse.failed': { status: 400, slug: 'malformed-json', title: 'Malformed JSON', detail: 'the request body is not valid JSON' },
  'entity.too.large': { status: 413, slug: 'body-too-large', title: 'Request body too large', detail: 'the request body exceeds 1 MB; send smaller batches' },
  'charset.unsupported': { status: 415, slug: 'unsupported-charset', title: 'Unsupported charset', detail: 'send the body as UTF-8' },
  'entity.invalid.utf8': { status: 400, slug: 'invalid-utf8', title: 'Body is not UTF-8', detail: 'the request body is not valid UTF-8' },
  'encoding.unsupported': { status: 415, slug: 'unsupported-encoding', title: 'Unsupported content encoding', detail: 'send the body uncompressed, gzip or deflate' },
  'request.aborted': { status: 400, slug: 'request-aborted', title: 'Request aborted', detail: 'the client closed the connection before the body arrived' },
  'entity.too.deep': { status: 400, slug: 'json-too-deep', title: 'JSON nested too deeply', detail: 'the JSON body is nested more than 20 levels deep; events are flat objects' },
  'request.size.invalid': { status: 400, slug: 'body-size-mismatch', title: 'Body size mismatch', detail: 'the body length does not match Content-Length' },
};

export function errorHandler(logger: Logger): NodeErrorHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: unknown } | null)?.type;
    const known = typeof type === 'string' ? CLIENT_ERRORS[type] : undefined;
    if (known) {
      sendProblem(res, problem(known.status, known.slug, known.title, known.detail));
      return;
    }
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, problem(status, 'bad-request', 'Bad request', (err as Error).message ?? 'bad request'));
      return;
    }
    if (isDomainError(err)) {
      if (err.kind === 'unavailable') {
        // Disk full, read-only folder, I/O error: the transaction rolled back; say so and let clients retry.
        logger.error({ err, method: req.method, path: pathOf(req) }, 'storage unavailable');
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
