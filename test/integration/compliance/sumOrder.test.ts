// An average read from stored judgements is the same on every read: PostgreSQL added doubles in the order its scan
// gave the rows, so the last digits of an average moved from one identical request to the next and differed from
// SQLite's (0.1 + 0.2 + 0.3 is 0.6000000000000001 in that order, 0.6 summed exactly). Within one rollup row, as
// here, both backends agree to the last digit; over several cells PostgreSQL's sum may differ from SQLite's in its
// last digit (store/postgres/figures.ts, sumReal).
import { describe, expect, it } from 'vitest';
import { isoAgo, useTestServer } from '../support/testServer';

const server = useTestServer();

/** One instant for all: the visits fall in one quarter hour, so one rollup row sums them in the order they were written. */
const AT = isoAgo(60);
const visit = (id: string, greetSeconds: number, agent: string) => ({ id, type: 'visit', site: 'lobby', agent, occurredAt: AT, outcome: 'greeted', greetSeconds });
const GREETS = [0.1, 0.2, 0.3, 0.1, 0.2, 0.3];

describe('averages summed from stored judgements', () => {
  it('add up exactly, whatever order the rows are read in', async () => {
    // Stored in this order, so a scan in storage order adds 0.1 + 0.2 + 0.3 (0.6000000000000001) for each agent.
    const posted = await server().postEvents({ events: GREETS.map((g, i) => visit(`v${i + 1}`, g, i < 3 ? 'front' : 'back')) });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const query = `/api/v1/compliance?standard=visit-greet-30s&from=${encodeURIComponent(isoAgo(3600))}&to=${encodeURIComponent(isoAgo(-60))}&groupBy=agent`;
    const report = (await server().getJson(query)).body as { standards: Array<{ groups: Array<{ key: string | null; companions: { average: number | null } }> }> };
    const averages = Object.fromEntries(report.standards[0]!.groups.map((g) => [g.key, g.companions.average]));
    expect(averages).toEqual({ front: 0.6 / 3, back: 0.6 / 3 });
    // The rollups keep each quarter hour's sum as the writes added it, and a read of one row gives it back to the last
    // digit (a double cast to numeric would keep only 15 significant digits).
    const overall = (await server().getJson(query.replace('&groupBy=agent', ''))).body as { standards: Array<{ companions: { average: number } }> };
    expect(overall.standards[0]!.companions.average).toBe(GREETS.reduce((a, b) => a + b, 0) / 6); // 1.2000000000000002 / 6
  });
});
