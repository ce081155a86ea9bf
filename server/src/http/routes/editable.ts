// What the configuration routes (standards, sites) share: the :id parameter, and bodies a client may send back
// as it read them.
import { z } from 'zod';
import { notAnObjectMessage } from '../../protocol/issues';
import type { BodySpec } from '../route';

export const idParams = { schema: z.object({ id: z.string() }) };
export type IdParams = z.infer<typeof idParams.schema>;

/**
 * The body of a change: a JSON object whose read-only fields (those of GET answers) are dropped, so a client can
 * PUT back what it read, edited; with `idFrom`, the :id of the path is its id. `what` names it ("the standard").
 */
export function editableBody<B>(what: string, schemaFor: () => z.ZodType<B>, idFrom?: 'id'): BodySpec<B> {
  return {
    limit: '256kb',
    media: 'required',
    what,
    schema: (req) =>
      z
        .unknown()
        .transform((b, ctx): unknown => {
          if (b === null || typeof b !== 'object' || Array.isArray(b)) {
            ctx.addIssue({ code: 'custom', message: notAnObjectMessage(b) });
            return z.NEVER;
          }
          const { version: _v, validTo: _t, createdAt: _c, retired: _r, autoCreated: _a, ...rest } = b as Record<string, unknown>;
          if (rest.validFrom === null) delete rest.validFrom; // "since the beginning", as GET shows a first version
          return idFrom ? { id: req.params[idFrom], ...rest } : rest;
        })
        .pipe(schemaFor()),
  };
}
