// The one error type of the core. Domain rules, services and the store throw it; only the HTTP edge (and the CLI)
// turn it into an answer: a problem+json status, an exit code. It names the field it is about.
import type { FieldProblem } from '../protocol';

export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict' | 'gone' | 'unavailable' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** The field (or parameter) the error is about, dotted ("changes.rings"); '(body)' for the whole request, '' for none. */
    readonly path: string,
    message: string,
    /** For an error about one item of a batch: its position. */
    readonly at?: number,
    /** A more precise name than the kind ("incident-not-found"), for clients that tell problems apart. */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

/**
 * A request with several problems of one kind, each naming its field: what a service (or the store) finds when it
 * checks a whole request itself (a PATCH merged into what is stored: `invalid`; every unknown id of a list: `not-found`),
 * answered as the validation of a body is, every one listed.
 */
export class FieldErrors extends DomainError {
  constructor(
    kind: DomainErrorKind,
    readonly problems: readonly FieldProblem[],
    code?: string,
  ) {
    super(kind, problems[0]?.path ?? '(body)', problems[0]?.message ?? 'is not valid', undefined, code);
    this.name = 'FieldErrors';
  }
}

/**
 * How a refusal names an id that no record has: `no standard with id "nope"`. It names its field (`id`, or `ids.0`
 * of a list), so a detail sets it off with a colon as every message that names its field (`id: no standard …`).
 */
export const notFoundMessage = (what: string, id: string | number): string => `no ${what} with id ${JSON.stringify(id)}`;

/** The 404 of a path's `id` that no record has (notFoundMessage); `more`: what to do instead. */
export const notFoundById = (what: string, id: string | number, more = '', code?: string): DomainError => new DomainError('not-found', 'id', `${notFoundMessage(what, id)}${more}`, undefined, code);

/**
 * How a change of `/<things>/:id` is refused whose body names another `id` than its path: the one wording, whether the
 * route's validation finds it (beside the body's other problems) or the write that makes the change does.
 */
export const notTheUrlIdMessage = (what: string, urlId: string): string => `must match the ${what} in the URL (${JSON.stringify(urlId)})`;

/** The code of an error about a query parameter (the HTTP edge answers it as the query parser's problems). */
export const QUERY_PARAMETER = 'invalid-query';

/** The code of a refused key request (POST /keys), whether its validation or the write that stores the key refuses it. */
export const INVALID_KEY_REQUEST = { slug: 'invalid-key-request', title: 'Invalid key request' } as const;

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/** The store is gone or gave up the whole write: nothing of the write may go on (every part of it is rolled back). */
export const isUnavailable = (error: unknown): boolean => isDomainError(error) && error.kind === 'unavailable';

/**
 * The storage failed (an unreachable database, a full or read-only data folder), not the request: `reason` says so
 * in words of its own ("the data folder is full"), for what no request asked (logs of background work, readiness);
 * the message adds what it means for the request and what to do.
 */
export class StorageUnavailable extends DomainError {
  constructor(
    readonly reason: string,
    advice: string,
    options?: ErrorOptions,
  ) {
    super('unavailable', '(storage)', `${reason}; nothing from this request was stored — ${advice}`, undefined, undefined, options);
  }
}

/** Why the storage failed, without a request's words: a StorageUnavailable's reason, another error's message. */
export const storageReason = (error: unknown): string => (error instanceof StorageUnavailable ? error.reason : error instanceof Error ? error.message : String(error));

/**
 * What stopped a read that had already started answering (an export mid-stream, a live replay), in words a client
 * may see: a storage failure as such, anything else as internal. Never the error's own text, which the log has.
 */
export const readFailureInWords = (error: unknown): string => (isUnavailable(error) ? 'the database could not be read' : 'an internal error stopped it');
