// What the configuration routes (standards, sites, event types) share: the :id parameter, and bodies a client may
// send back as it read them.
import type { Request } from 'express';
import { z } from 'zod';
import { notTheUrlIdMessage } from '../../domain/errors';
import { betweenFieldsIssue, notAnObjectMessage, unlessWrong } from '../../protocol/issues';
import type { AppContext, BodySpec } from '../route';

export const idParams = { schema: z.object({ id: z.string() }) };
export type IdParams = z.infer<typeof idParams.schema>;

/**
 * The :id of the path a change is about: its body's `id`, when the body names one, must name the same (`what`: "site",
 * "standard"), compared as validated (`same`: a site's id is trimmed and in NFC). `what` null: the service checks it
 * with the rest of the body (a standard's PATCH, whose problems are known only once it is merged in the write).
 */
export interface UrlId {
  what: string | null;
  same?: (bodyId: string, urlId: string) => boolean;
  /** Whether the path names a stored one: when it does not, the answer is the service's 404, as it was before this check. */
  stored?: (urlId: string, app: AppContext) => boolean | Promise<boolean>;
}

/**
 * The body of a change: a JSON object whose read-only fields (those of GET answers) are dropped, so a client can
 * PUT back what it read, edited; with `urlId`, the :id of the path is its id, and a body naming another is refused
 * beside its other problems (the service refuses it again in its write). `what` names it ("the standard");
 * `schemaFor` may read what its checks need first (the stored sites, the event types).
 */
export function editableBody<B>(what: string, schemaFor: (req: Request, app: AppContext) => z.ZodType<B> | Promise<z.ZodType<B>>, urlId?: UrlId): BodySpec<B> {
  return {
    limit: '256kb',
    media: 'required',
    what,
    schema: async (req, app) => {
      const id = urlId && (req.params as Record<string, string>).id;
      const body = z
        .unknown()
        .transform((b, ctx): unknown => {
          if (b === null || typeof b !== 'object' || Array.isArray(b)) {
            ctx.addIssue({ code: 'custom', message: notAnObjectMessage(b) });
            return z.NEVER;
          }
          const { version: _v, validTo: _t, createdAt: _c, retired: _r, autoCreated: _a, ...rest } = b as Record<string, unknown>;
          if (rest.validFrom === null) delete rest.validFrom; // "since the beginning", as GET shows a first version
          return id !== undefined ? { id, ...rest } : rest;
        })
        .pipe(await schemaFor(req, app));
      if (!urlId || urlId.what === null || id === undefined || (urlId.stored && !(await urlId.stored(id, app)))) return body;
      const whatId = urlId.what;
      const same = urlId.same ?? ((a: string, b: string) => a === b);
      return body.check(
        z.superRefine<unknown>((d, ctx) => {
          const bodyId = (d as { id?: unknown }).id;
          if (typeof bodyId === 'string' && !same(bodyId, id)) betweenFieldsIssue(ctx, ['id'], notTheUrlIdMessage(whatId, id));
        }, unlessWrong('id')),
      );
    },
  };
}
