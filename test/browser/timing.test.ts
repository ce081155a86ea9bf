// The page's first render in the browser's performance timeline: a mark when the board is mounted, and one measure
// around the render that first draws the board from a snapshot (not the placeholder before it, nor any redraw).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TIMING } from '../../webview/src/timing';
import { judgedCall, msg, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);
beforeEach(() => {
  performance.clearMarks();
  performance.clearMeasures();
});

const entries = (name: string) => performance.getEntriesByName(name);

describe("the first render's User Timing entries", () => {
  it('marks the mount and measures only the render that first draws the board', () => {
    const { dashboard, root } = mount();
    expect(entries(TIMING.mounted)).toHaveLength(1);
    // Mounting draws the placeholder: no board yet, so nothing measured.
    expect(root.querySelector('.rs-chart-panel')).toBeNull();
    expect(entries(TIMING.firstBoardRender)).toHaveLength(0);

    feed(dashboard, msg.snapshot(snapshot()));
    const [first] = entries(TIMING.firstBoardRender);
    expect(first?.entryType).toBe('measure');
    expect(first!.startTime).toBeGreaterThanOrEqual(entries(TIMING.mounted)[0]!.startTime);
    // The measure spans the render that drew the board: its charts' panels exist when it ends.
    expect(root.querySelectorAll('.rs-chart-panel').length).toBeGreaterThan(0);

    feed(dashboard, msg.judged([judgedCall({ id: 'later' })]));
    expect(dashboard.renders()).toBeGreaterThanOrEqual(3);
    expect(entries(TIMING.firstBoardRender)).toHaveLength(1);
  });
});
