// axe-core over the reception kiosk's page (webview/src/kiosk/view.ts, with its own stylesheet, which styles the
// whole document: hence a file of its own), as a screen reader, a voice-control user or a keyboard user meets it:
// visitors waiting in each of the timer's states, the status line saying the server refused the kiosk, at a tablet's
// width and a phone's, in the light and the dark palette. Every rule axe runs by default must pass.
/// <reference types="@vitest/browser-playwright" />
import '../../webview/src/kiosk/kiosk.css';
import { afterEach, describe, expect, it } from 'vitest';
import { cdp, page } from 'vitest/browser';
import type { KioskStandard } from '../../server/src/protocol';
import type { DeskState } from '../../webview/src/kiosk/desk';
import { createKioskView } from '../../webview/src/kiosk/view';
import { axeViolations } from './axe';
import { NOW } from './fixtures';

const mounts: HTMLElement[] = [];
afterEach(() => {
  for (const mount of mounts.splice(0)) mount.remove();
});

const nowMs = Date.parse(NOW);
const ago = (seconds: number) => new Date(nowMs - seconds * 1000).toISOString();
const STANDARD: KioskStandard = {
  standardId: 'visit-greet-30s',
  name: 'Visitors greeted within 30 s',
  atRiskSeconds: 20,
  deadlineSeconds: 30,
  clock: 'wall',
  // The last visitor arrived while the site was closed: no standard counts their wait.
  notCounted: [{ from: ago(3600), to: ago(1800) }],
};

/** A desk with a visitor in each of the timer's states: waiting, due soon, past the deadline, not counted. */
function kiosk(): HTMLElement {
  const mount = document.createElement('div');
  document.body.append(mount);
  mounts.push(mount);
  const view = createKioskView(mount, { arrived: () => undefined, finished: () => undefined });
  const desk: DeskState = {
    visitors: [
      { caseId: 'kiosk-1', number: 1, arrivedAt: ago(5) },
      { caseId: 'kiosk-2', number: 2, arrivedAt: ago(25) },
      { caseId: 'kiosk-3', number: 3, arrivedAt: ago(95) },
      { caseId: 'kiosk-4', number: 4, arrivedAt: ago(2000) },
    ],
    outbox: [],
    nextNumber: 5,
    day: '2026-11-23',
  };
  view.setTitle('Harbour Street Reception', [STANDARD]);
  view.render(desk);
  view.tick(desk, [STANDARD], nowMs);
  view.setStatus('refused', "The server refused this kiosk's key (it is revoked). Ask an administrator for a new kiosk link.");
  return mount;
}

describe('axe-core finds nothing on the kiosk', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1400, 390]) {
      it(`${scheme}, ${width} px`, async () => {
        const session = cdp();
        await session.send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: scheme }] });
        try {
          await page.viewport(width, 900);
          const mount = kiosk();
          expect([...mount.querySelectorAll<HTMLElement>('.kiosk-visitor')].map((row) => row.dataset['state'])).toEqual(['running', 'at-risk', 'breached', 'not-counted']);
          expect(await axeViolations()).toEqual([]);
        } finally {
          await session.send('Emulation.setEmulatedMedia', { features: [] });
        }
      });
    }
  }
});
