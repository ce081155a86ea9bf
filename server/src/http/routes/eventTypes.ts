// Event types defined over the API (scope admin): POST /event-types creates one, PUT /event-types/:id replaces it.
// The body is checked as a type of the standards file is (protocol/eventTypes.ts, then the registry's rules), and
// a bad field is named in the problem details. GET /event-types (clocks.ts) lists every type.
import { eventTypeDefinitionSchema, type EventTypeDefinition } from '../../protocol/eventTypes';
import { keyIdOf } from '../caller';
import { route } from '../route';
import { editableBody, idParams, type IdParams } from './editable';

export const eventTypeRoutes = [
  route<unknown, undefined, EventTypeDefinition>({
    method: 'POST',
    path: '/event-types',
    scope: 'admin',
    status: 201,
    body: editableBody('the event type', () => eventTypeDefinitionSchema),
    handle: async ({ body, res }, app) => (await app.core.standards.defineEventType(body, { keyId: keyIdOf(res) })).eventType,
  }),
  route<IdParams, undefined, EventTypeDefinition>({
    method: 'PUT',
    path: '/event-types/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the event type', () => eventTypeDefinitionSchema, 'id'),
    handle: async ({ params, body, res }, app) => (await app.core.standards.defineEventType(body, { keyId: keyIdOf(res) }, params.id)).eventType,
  }),
];
