// axe-core over the whole page, as docs/dashboard.md's Accessibility says it is checked: the board with figures in
// every panel (open cases, incidents, a breach, the live feed, site bars; one site's agents and its staffing; the
// "Reconnecting…" notice over the figures), and the browser page's key field, at a wallboard's and a phone's width,
// in the light and the dark palette. Every rule axe runs by default must pass (WCAG 2.x A and AA, and its best
// practices, such as every part of the page in a landmark); none is left out.
/// <reference types="@vitest/browser-playwright" />
import { afterEach, describe, expect, it } from 'vitest';
import { cdp, page } from 'vitest/browser';
import {
  CALL_STANDARD,
  COMPLAINT_STANDARD,
  STANDARDS,
  VISIT_STANDARD,
  answering,
  breachOf,
  clocksUpdate,
  complianceReport,
  fakeTransport,
  figure,
  group,
  hourSeries,
  incident,
  incidentChange,
  judgedCall,
  judgedVisit,
  msg,
  openClock,
  point,
  settle,
  snapshot,
} from './fixtures';
import { countingFetch } from './handTransport';
import { axeViolations } from './axe';
import { feed, mount, unmountAll } from './mount';
import { socketTransport } from '../../webview/src/transport/socket';
import type { DashboardSocket } from '../../webview/src/transport/socket';

afterEach(unmountAll);

const groups = complianceReport({
  groupBy: 'site',
  bucket: null,
  groups: {
    [CALL_STANDARD.id]: [group('Harbour Street Contact Centre', 2458, 3367), group('Leeds', 96, 100), group('York', 5, 10)],
    [VISIT_STANDARD.id]: [group('Leeds', 49, 50), group('York', 30, 40)],
  },
});
const agents = complianceReport({ groupBy: 'agent', bucket: null, groups: { [CALL_STANDARD.id]: [group('ana', 9, 10), group('ben', 7, 10)] } });

type State = 'all sites' | 'one site' | 'reconnecting';

/** The board as the demo shows it: every panel with something in it. 'one site' filters it to one site's agents. */
async function busyBoard(state: State) {
  const site = state === 'one site' ? 'Leeds' : null;
  const fake = fakeTransport(answering({ groups, agents, report: complianceReport({ series: { [CALL_STANDARD.id]: hourSeries(5), [VISIT_STANDARD.id]: hourSeries(5) } }) }));
  const { dashboard, root } = mount({ transport: fake.transport, selection: site ? { site } : {} });
  const openClocks = [
    openClock({ site: 'Leeds', caseId: 'pbx-2026-11-23-000000123456', startedAgo: 75, limitSeconds: 12 }),
    openClock({ type: 'visit', site: 'York', caseId: 'kiosk-4f9d5e2a17c3b8d09e6f1a24', standardId: VISIT_STANDARD.id, startedAgo: 27, limitSeconds: 30 }),
    openClock({ type: 'complaint', site: 'Leeds', caseId: 'CRM-COMPLAINT-1', standardId: COMPLAINT_STANDARD.id, startedAgo: 86_000, limitSeconds: 3 * 86_400 }),
  ];
  const recent = [
    judgedCall({ site: 'Leeds', agent: 'ana', rings: 4 }),
    judgedCall({ site: 'Leeds', agent: 'ben' }),
    judgedVisit({ site: 'York' }),
    judgedVisit({ site: 'York', outcome: 'left' }),
  ];
  feed(
    dashboard,
    msg.connection('connected'),
    msg.snapshot(
      snapshot({
        recent,
        standards: [...STANDARDS, COMPLAINT_STANDARD],
        openClocks,
        today: [figure(CALL_STANDARD, 96, 100), figure(VISIT_STANDARD, 41, 48)],
        series: { [CALL_STANDARD.id]: [point(1, 9, 10)] },
      }),
    ),
    clocksUpdate({ breaches: [breachOf(openClocks[0]!)] }),
    incidentChange(incident({ siteName: 'Leeds', summary: 'Leeds calls: 73.0 % answered within 2 rings in the last hour — target 90 %' })),
    incidentChange(incident({ siteName: 'York', severity: 'amber', standardId: VISIT_STANDARD.id, summary: 'York visits: 86.2 % greeted within 30 s in the last hour — target 90 %' })),
  );
  await settle();
  dashboard.flush();
  // The connection drops: the pill says "Reconnecting…" and the notice over the figures shows.
  if (state === 'reconnecting') feed(dashboard, msg.connection('disconnected', 'transport close'));
  return root;
}

/** The browser page before any figures, told the server refuses it without a key: its key field. */
function keyField(): HTMLElement {
  const socket = { on: () => socket, io: { on: () => undefined, removeAllListeners: () => undefined, reconnection: () => false }, removeAllListeners: () => socket, disconnect: () => socket };
  const transport = socketTransport('http://127.0.0.1:4870', {
    keyRefused: 'unauthorized: an API key with scope "read" is required (auth: { token })',
    connect: () => socket as unknown as DashboardSocket,
    fetch: countingFetch().fetch,
    location: { search: '', pathname: '/', hash: '' },
    history: { pushState: () => undefined, replaceState: () => undefined, state: null },
  });
  const { dashboard, root } = mount({ transport });
  dashboard.flush();
  return root;
}

/** In the given palette and width. */
async function shown(scheme: 'light' | 'dark', width: number, draw: () => Promise<HTMLElement> | HTMLElement): Promise<string[]> {
  const session = cdp();
  await session.send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: scheme }] });
  try {
    await page.viewport(width, 900);
    const root = await draw();
    expect(root.dataset['theme']).toBe(scheme);
    return await axeViolations();
  } finally {
    await session.send('Emulation.setEmulatedMedia', { features: [] });
  }
}

describe('axe-core finds nothing', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1400, 390]) {
      for (const state of ['all sites', 'one site', 'reconnecting'] as const) {
        it(`on the board: ${state}, ${scheme}, ${width} px`, async () => {
          expect(
            await shown(scheme, width, async () => {
              const root = await busyBoard(state);
              expect(root.querySelectorAll('.rs-bar').length).toBeGreaterThan(1);
              expect(root.querySelector<HTMLElement>('.rs-alerts')!.hidden).toBe(false);
              expect(root.querySelector<HTMLElement>('.rs-stale')!.hidden).toBe(state !== 'reconnecting');
              return root;
            }),
          ).toEqual([]);
        });
      }
      it(`on the key field: ${scheme}, ${width} px`, async () => {
        expect(
          await shown(scheme, width, () => {
            const root = keyField();
            expect(root.querySelector<HTMLElement>('.rs-key')!.hidden).toBe(false);
            return root;
          }),
        ).toEqual([]);
      });
    }
  }
});
