// Event types defined over the API (scope admin): POST /event-types creates one, PUT /event-types/:id replaces it.
// The body is checked as a type of the standards file is (protocol/eventTypes.ts, then the registry's rules), and
// a bad field is named in the problem details. GET /event-types (clocks.ts) lists every type.
import { builtInIdMessage } from '../../domain/eventTypes';
import { eventTypeDefinitionSchema, type EventTypeDefinition } from '../../protocol/eventTypes';
import { betweenFieldsIssue } from '../../protocol/issues';
import { keyIdOf } from '../caller';
import { route } from '../route';
import { editableBody, idParams, type IdParams } from './editable';

/**
 * The definition, and a built-in's id named beside the body's other problems (400, one answer): that it is a
 * built-in is known from the body alone. A body that is otherwise fine is a conflict, as any id already in use
 * (409, from the service: the standards file's types and the API's are known only there).
 */
const definition = () =>
  eventTypeDefinitionSchema.superRefine(
    (t, ctx) => {
      const message = builtInIdMessage(t.id);
      if (message !== null) betweenFieldsIssue(ctx, ['id'], message);
    },
    { when: ({ value, issues }) => issues.length > 0 && value !== null && typeof value === 'object' },
  );

export const eventTypeRoutes = [
  route<unknown, undefined, EventTypeDefinition>({
    method: 'POST',
    path: '/event-types',
    scope: 'admin',
    status: 201,
    body: editableBody('the event type', definition),
    handle: async ({ body, res }, app) => (await app.core.standards.defineEventType(body, { keyId: keyIdOf(res) })).eventType,
  }),
  route<IdParams, undefined, EventTypeDefinition>({
    method: 'PUT',
    path: '/event-types/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the event type', definition, { what: 'event type' }),
    handle: async ({ params, body, res }, app) => (await app.core.standards.defineEventType(body, { keyId: keyIdOf(res) }, params.id)).eventType,
  }),
];
