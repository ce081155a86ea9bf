// GET /staffing/erlang: the Erlang C answer for one interval (how many people reach a wait target).
import { z } from 'zod';
import { erlangAnswer } from '../../services/staffing';
import { numberParam } from '../queryParams';
import { route } from '../route';

const erlangQuery = z.strictObject({
  arrivalsPerHour: numberParam('must be a number ≥ 0 (arrivals per hour)', (v) => v >= 0),
  handleSeconds: numberParam('must be a number of seconds above 0 and at most 86400', (v) => v > 0 && v <= 86_400),
  thresholdSeconds: numberParam('must be a number of seconds from 0 to 86400', (v) => v >= 0 && v <= 86_400),
  target: numberParam('must be a share strictly between 0 and 1 (0.9 for 90 %)', (v) => v > 0 && v < 1),
  maxOccupancy: numberParam('must be a share above 0 and at most 1', (v) => v > 0 && v <= 1).optional(),
});

type ErlangQuery = z.infer<typeof erlangQuery>;

export const staffingRoutes = [
  route<Record<string, string>, ErlangQuery>({
    method: 'GET',
    path: '/staffing/erlang',
    scope: 'read',
    query: { schema: erlangQuery },
    handle: ({ query }) => erlangAnswer(query),
  }),
];
