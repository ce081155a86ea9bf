import { afterEach, describe, expect, it } from 'vitest';
import { readTheme } from '../../webview/src/theme';
import { Chart, DATASET } from '../../webview/src/views/compliance-chart';
import { CALL_STANDARD, VISIT_STANDARD, answering, fakeTransport, msg, point, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

const VSCODE_VARS = ['--vscode-charts-blue', '--vscode-charts-yellow', '--vscode-charts-green', '--vscode-charts-red', '--vscode-editor-foreground', '--vscode-editor-background', '--vscode-descriptionForeground', '--vscode-panel-border'];

afterEach(() => {
  unmountAll();
  document.body.className = '';
  for (const v of VSCODE_VARS) document.documentElement.style.removeProperty(v);
});

/** Sets the variables and body class the way VS Code does when the user switches theme. */
function vscodeTheme(kind: 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast', vars: Record<string, string>): void {
  for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
  document.body.className = kind;
}

const callChart = (root: HTMLElement) => Chart.getChart(root.querySelector<HTMLCanvasElement>(`[data-standard-id="${CALL_STANDARD.id}"] canvas`)!)!;

describe('theme', () => {
  it('falls back to a light or dark palette in a plain browser', () => {
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const theme = readTheme();
    expect(theme.kind).toBe(dark ? 'dark' : 'light');
    expect(theme.accent).toMatch(/^#[0-9a-f]{6}$/i);
    expect(theme.foreground).not.toBe(theme.background);
  });

  it('takes colours from --vscode-* variables inside VS Code', () => {
    vscodeTheme('vscode-dark', { '--vscode-charts-blue': '#3794ff', '--vscode-editor-foreground': '#cccccc', '--vscode-editor-background': '#1e1e1e' });
    const theme = readTheme();
    expect(theme).toMatchObject({ kind: 'dark', accent: '#3794ff', foreground: '#cccccc', background: '#1e1e1e' });
  });

  it('re-reads the colours into charts and page when VS Code switches theme', async () => {
    vscodeTheme('vscode-light', { '--vscode-charts-blue': '#1a85ff', '--vscode-charts-yellow': '#bf8803', '--vscode-editor-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff' });
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(1, 9, 10), point(0, 10, 10)] } })));
    const chart = callChart(root);
    expect(chart.data.datasets[DATASET.rolling]!.borderColor).toBe('#1a85ff');
    expect(chart.data.datasets[DATASET.target]!.borderColor).toBe('#bf8803');
    expect(getComputedStyle(root).color).toBe('rgb(59, 59, 59)');

    vscodeTheme('vscode-dark', {
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
    });
    // The dashboard re-reads the theme when VS Code rewrites the body (a MutationObserver): wait for it to have.
    await expect.poll(() => dashboard.theme().kind).toBe('dark');

    expect(dashboard.theme().kind).toBe('dark');
    expect(callChart(root)).toBe(chart);
    expect(chart.data.datasets[DATASET.rolling]!.borderColor).toBe('#3794ff');
    expect(chart.data.datasets[DATASET.target]!.borderColor).toBe('#cca700');
    // Resolved options after update('none'): the axis labels use the new muted colour.
    expect(chart.options.scales!['y']!.ticks!.color).toBe('#9d9d9d');
    expect(getComputedStyle(root).color).toBe('rgb(204, 204, 204)');
    expect(getComputedStyle(root).backgroundColor).toBe('rgb(31, 31, 31)');
    expect(root.dataset['theme']).toBe('dark');
  });

  it('recognises the high contrast theme', async () => {
    const { root } = mount();
    vscodeTheme('vscode-high-contrast', { '--vscode-editor-background': '#000000' });
    await expect.poll(() => root.dataset['theme']).toBe('high-contrast');
  });

  it('re-colours the new charts too: bands, distribution bars and the threshold marker', async () => {
    vscodeTheme('vscode-light', { '--vscode-charts-green': '#388a34', '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803', '--vscode-editor-foreground': '#3b3b3b' });
    const fake = fakeTransport(answering({}));
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    const bars = Chart.getChart(root.querySelector<HTMLCanvasElement>(`.rs-distribution-panel[data-standard-id="${VISIT_STANDARD.id}"] canvas`)!)!;
    const plugins = () => bars.config.options!.plugins as Record<string, { colour?: string }>;
    expect([(bars.data.datasets[0]!.backgroundColor as string[]).slice(0, 4), bars.data.datasets[1]!.backgroundColor]).toEqual([['#e51400', '#e51400', '#e51400', '#e51400'], '#388a34']);
    expect(plugins()['rsThreshold']!.colour).toBe('#3b3b3b');
    const bandsOf = () => (callChart(root).config.options!.plugins as Record<string, { colours: Record<string, string>; alpha: number }>)['rsBands']!;
    expect(bandsOf().colours).toEqual({ good: '#388a34', warn: '#bf8803', bad: '#e51400' });

    vscodeTheme('vscode-high-contrast', { '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f48771', '--vscode-charts-yellow': '#ffd700', '--vscode-editor-foreground': '#ffffff' });
    await expect.poll(() => dashboard.theme().kind).toBe('high-contrast');
    expect([(bars.data.datasets[0]!.backgroundColor as string[]).slice(0, 4), bars.data.datasets[1]!.backgroundColor]).toEqual([['#f48771', '#f48771', '#f48771', '#f48771'], '#89d185']);
    expect(plugins()['rsThreshold']!.colour).toBe('#ffffff');
    expect(bandsOf().colours).toEqual({ good: '#89d185', warn: '#ffd700', bad: '#f48771' });
    // High contrast shades the bands more strongly than light, so they stay visible on black.
    expect(bandsOf().alpha).toBeGreaterThan(0.1);
    // Resolved options after update('none'): the bar chart's axis labels follow too.
    expect(bars.options.scales!['y']!.ticks!.color).toBe(dashboard.theme().muted);
  });
});
