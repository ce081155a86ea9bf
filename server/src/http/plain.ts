// What the handlers in front of every route may use: node's request and response, and `res.locals`. Nothing of
// Express, so the routes served without it (http/direct.ts) run the very same handlers, in the same order.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response with what the handlers in front of a route leave for those after it (Express's `res.locals`). */
export type NodeResponse = ServerResponse & { locals: Record<string, unknown> };

/** A handler Express mounts with `app.use`, and http/direct.ts calls with node's own request and response. */
export type NodeHandler = (req: IncomingMessage, res: NodeResponse, next: (err?: unknown) => void) => void | Promise<void>;

/** An error handler of the same kind (Express's four-argument handler). */
export type NodeErrorHandler = (err: unknown, req: IncomingMessage, res: NodeResponse, next: (err?: unknown) => void) => void;

/** The request's path without its query, as Express's `req.path` gives it for handlers mounted at the root. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}
