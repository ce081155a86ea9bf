// Standards over HTTP. A change never edits history: PUT (the whole definition), PATCH (some of its fields) and DELETE
// create new versions, and a version scheduled ahead may be withdrawn before it takes effect; the service refuses what may not change (a DomainError) and writes the change to the audit log
// under the caller's key. A body is checked against the event types as they are when it arrives, so an unknown type is
// named beside its other problems; the write checks again.
import { z } from 'zod';
import { standardDefinitionSchemaWith, standardPatchSchema, standardReplacementSchemaWith, type StandardDefinition, type StandardPatch } from '../../protocol';
import { standardNotFound } from '../../services/standards';
import { keyIdOf } from '../caller';
import { timeParam, wholeNumber } from '../queryParams';
import { route } from '../route';
import { editableBody, idParams, type IdParams } from './editable';

const actor = (res: Parameters<typeof keyIdOf>[0]) => ({ keyId: keyIdOf(res) });

// Optional ?validFrom=ISO: when the retirement takes effect (same rules as a version's validFrom). Any other
// parameter is refused: a misspelt ?validfrom= would otherwise retire the standard now.
const retireQuery = z.strictObject({ validFrom: timeParam() });

/** A version of a standard: its number as the store keeps it (up to the largest whole number JSON carries exactly). */
const versionParams = { schema: z.object({ id: z.string(), version: wholeNumber(1, Number.MAX_SAFE_INTEGER) }) };

export const standardRoutes = [
  route({ method: 'GET', path: '/standards', scope: 'read', handle: (_input, app) => ({ standards: app.core.standards.current() }) }),
  route<unknown, undefined, StandardDefinition>({
    method: 'POST',
    path: '/standards',
    scope: 'admin',
    status: 201,
    body: editableBody('the standard', (_req, app) => standardDefinitionSchemaWith(app.core.standards.targetCheck())),
    handle: async ({ body, res }, app) => (await app.core.standards.create(body, actor(res))).standard,
  }),
  route<IdParams>({
    method: 'GET',
    path: '/standards/:id',
    scope: 'read',
    params: idParams,
    handle: ({ params }, app) => {
      const current = app.core.standards.get(params.id);
      if (!current) throw standardNotFound(params.id);
      return app.core.standards.versions(current.id).find((v) => v.version === current.version);
    },
  }),
  route<IdParams, undefined, StandardDefinition>({
    method: 'PUT',
    path: '/standards/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the whole standard', (_req, app) => standardReplacementSchemaWith(app.core.standards.targetCheck()), { what: 'standard', stored: (id, app) => app.core.standards.versions(id).length > 0 }),
    handle: async ({ params, body, res }, app) => (await app.core.standards.update(params.id, body, actor(res))).standard,
  }),
  route<IdParams, undefined, StandardPatch>({
    method: 'PATCH',
    path: '/standards/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the fields to change', () => standardPatchSchema, { what: null }),
    handle: async ({ params, body, res }, app) => (await app.core.standards.patch(params.id, body, actor(res))).standard,
  }),
  route<IdParams, z.infer<typeof retireQuery>>({
    method: 'DELETE',
    path: '/standards/:id',
    scope: 'admin',
    params: idParams,
    query: { schema: retireQuery },
    handle: async ({ params, query, res }, app) => (await app.core.standards.retire(params.id, query.validFrom, actor(res))).standard,
  }),
  route<IdParams>({
    method: 'GET',
    path: '/standards/:id/versions',
    scope: 'read',
    params: idParams,
    handle: ({ params }, app) => {
      const versions = app.core.standards.versions(params.id);
      if (versions.length === 0) throw standardNotFound(params.id);
      return { id: params.id, versions };
    },
  }),
  // Takes back a version scheduled ahead (not yet in force): the standard's versions as they remain, as GET .../versions.
  route<z.infer<typeof versionParams.schema>>({
    method: 'DELETE',
    path: '/standards/:id/versions/:version',
    scope: 'admin',
    params: versionParams,
    handle: async ({ params, res }, app) => ({ id: params.id, versions: (await app.core.standards.withdraw(params.id, params.version, actor(res))).versions }),
  }),
];
