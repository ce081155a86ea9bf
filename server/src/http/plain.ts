// What the handlers in front of every route may use: node's request and response, and `res.locals`. Nothing of
// Express, so the routes served without it (http/direct.ts) run the very same handlers, in the same order.
import type { IncomingMessage, ServerResponse } from 'node:http';
import parseurl from 'parseurl';

/** A response with what the handlers in front of a route leave for those after it (Express's `res.locals`). */
export type NodeResponse = ServerResponse & { locals: Record<string, unknown> };

/** A handler Express mounts with `app.use`, and http/direct.ts calls with node's own request and response. */
export type NodeHandler = (req: IncomingMessage, res: NodeResponse, next: (err?: unknown) => void) => void | Promise<void>;

/** An error handler of the same kind (Express's four-argument handler). */
export type NodeErrorHandler = (err: unknown, req: IncomingMessage, res: NodeResponse, next: (err?: unknown) => void) => void;

/**
 * The request's path without its query: Express's `req.path`, the pathname parseurl gives the router (which caches
 * it on the request). Also for a request line in absolute form ("GET http://host/api/v1/keys"): the path the
 * router will match is the one the key check must judge.
 */
export function pathOf(req: IncomingMessage): string {
  return parseurl(req)?.pathname ?? '/';
}
