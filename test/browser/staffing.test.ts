// The Staffing view in a real Chromium with real Chart.js: what it asks for (today and tomorrow of the selected site
// and standard), people needed vs. seen per hour, hours missed for too few people drawn in the bad colour and listed,
// and what it says without one site and one standard.
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardRequest } from '../../server/src/protocol';
import { Chart } from '../../webview/src/views/compliance-chart';
import { CALL_STANDARD, answering, fakeTransport, msg, settle, snapshot, staffingForecast } from './fixtures';
import { feed, mount, text, unmountAll } from './mount';

afterEach(unmountAll);

async function mountWith(answer: (request: DashboardRequest) => unknown, selection = {}) {
  const fake = fakeTransport(answer);
  const mounted = mount({ transport: fake.transport, selection });
  feed(mounted.dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
  await settle();
  mounted.dashboard.flush();
  return { ...mounted, ...fake };
}

const staffingChart = (root: HTMLElement) => Chart.getChart(root.querySelector<HTMLCanvasElement>('.rs-staffing-panel canvas')!)!;

describe('Staffing view', () => {
  it('asks nothing and says how to get there without one site and one standard', async () => {
    const { root, requests } = await mountWith(answering({}), { site: 'Leeds' });
    expect(requests.some((r) => r.kind === 'staffing-forecast')).toBe(false);
    expect(text(root, '.rs-staffing-panel .rs-chart-note')).toMatch(/Choose one site and one standard/);
    expect(root.querySelector<HTMLElement>('.rs-staffing-panel')!.dataset['status']).toBe('idle');
    // One line of advice, not an empty chart's height of blank space, and no empty table to open.
    expect(root.querySelector<HTMLElement>('.rs-staffing-box')!.getBoundingClientRect().height).toBeLessThan(60);
    expect(root.querySelector<HTMLElement>('.rs-staffing-panel .rs-table-toggle')!.getClientRects().length).toBe(0);
  });

  it('names the offset from UTC of the two hours a day repeats when the clocks go back, and only theirs', async () => {
    const base = answering({});
    const fallBack = (): ReturnType<typeof staffingForecast> => {
      const day = staffingForecast({ date: '2026-10-25', future: true });
      const [h0, h1, h2, ...rest] = day.hours;
      const summer = [h0!, h1!, h2!].map((h) => ({ ...h, utcOffset: '+02:00' }));
      return { ...day, hours: [...summer, { ...h2!, utcOffset: '+01:00' }, ...rest.map((h) => ({ ...h, utcOffset: '+01:00' }))] };
    };
    const answer = (request: DashboardRequest) => (request.kind === 'staffing-forecast' && request.params.date === 'tomorrow' ? fallBack() : base(request));
    const { root, dashboard } = await mountWith(answer, { site: 'Leeds', standard: CALL_STANDARD.id });
    dashboard.flush();
    const labels = staffingChart(root).data.labels as string[];
    expect(labels.slice(24, 29)).toEqual(['Tomorrow 00:00', 'Tomorrow 01:00', 'Tomorrow 02:00 (UTC+02:00)', 'Tomorrow 02:00 (UTC+01:00)', 'Tomorrow 03:00']);
    expect(labels[2]).toBe('Today 02:00');
  });

  it('draws people needed against people seen for today and tomorrow, the understaffed hours in the bad colour', async () => {
    const base = answering({});
    const answer = (request: DashboardRequest) =>
      request.kind === 'staffing-forecast' && request.params.date === 'today' ? staffingForecast({ date: '2026-11-23', pastUntil: 14, understaffed: [10, 11] }) : base(request);
    const { root, dashboard, requests } = await mountWith(answer, { site: 'Leeds', standard: CALL_STANDARD.id });
    expect(requests.filter((r) => r.kind === 'staffing-forecast')).toEqual([
      { kind: 'staffing-forecast', params: { site: 'Leeds', standard: CALL_STANDARD.id, date: 'today' } },
      { kind: 'staffing-forecast', params: { site: 'Leeds', standard: CALL_STANDARD.id, date: 'tomorrow' } },
    ]);
    dashboard.flush();
    const panel = root.querySelector<HTMLElement>('.rs-staffing-panel')!;
    expect(panel.dataset['status']).toBe('ok');
    expect(text(panel, '.rs-panel-title')).toBe(`Staffing · ${CALL_STANDARD.name} at Leeds`);
    const chart = staffingChart(root);
    expect(chart.data.labels).toHaveLength(48);
    expect(chart.data.labels![10]).toBe('Today 10:00');
    expect(chart.data.labels![24 + 9]).toBe('Tomorrow 09:00');
    const [needed, seen] = chart.data.datasets;
    expect(needed!.data[10]).toBe(5);
    expect(needed!.data[24 + 10]).toBe(5);
    expect(seen!.data[10]).toBe(3);
    expect(seen!.data[9]).toBe(3);
    expect(seen!.data[24 + 10]).toBeNull(); // tomorrow: nobody seen yet
    const colours = seen!.backgroundColor as string[];
    expect(colours[10]).toBe(colours[11]);
    expect(colours[10]).not.toBe(colours[9]);
    expect(text(panel, '.rs-staffing-missed')).toBe('Missed for too few people: Today 10:00, Today 11:00.');
    const rows = [...panel.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td, th')].map((c) => c.textContent));
    expect(rows).toHaveLength(48);
    expect(rows[10]).toEqual(['Today 10:00', '50.0', '5', '50', '3', '50.0 %', 'yes']);
    expect(rows[24 + 10]).toEqual(['Tomorrow 10:00', '50.0', '5', '—', '—', '—', '']);
  });

  it('states the standard’s target exactly, as the tiles do (92.55 %, not 92.5 %; 90 %, not 90.0 %)', async () => {
    for (const [target, words] of [[0.9255, 'target 92.55 %'], [0.9, 'target 90 %']] as const) {
      const base = answering({});
      const answer = (request: DashboardRequest) => {
        if (request.kind !== 'staffing-forecast') return base(request);
        const forecast = staffingForecast({ date: request.params.date === 'today' ? '2026-11-23' : '2026-11-24' });
        return { ...forecast, standard: { ...forecast.standard, target } };
      };
      const { root, dashboard } = await mountWith(answer, { site: 'Leeds', standard: CALL_STANDARD.id });
      dashboard.flush();
      expect(text(root, '.rs-staffing-panel .rs-panel-meta')).toBe(`within 12 s, ${words} · forecast from the same weekday of the last 4 weeks · UTC`);
      unmountAll();
    }
  });

  it('says when the forecast could not be loaded', async () => {
    const base = answering({});
    const answer = (request: DashboardRequest) => {
      if (request.kind === 'staffing-forecast') throw Object.assign(new Error('standard has target 1'), { status: 400 });
      return base(request);
    };
    const { root } = await mountWith(answer, { site: 'Leeds', standard: CALL_STANDARD.id });
    expect(text(root, '.rs-staffing-panel .rs-chart-note')).toMatch(/^Could not load/);
    expect(root.querySelector<HTMLElement>('.rs-staffing-panel')!.dataset['status']).toBe('error');
  });
});
