// Colours for the dashboard and its charts. Inside VS Code they come from the --vscode-* variables the
// webview host sets; in a plain browser the fallback palette follows prefers-color-scheme.
// The resolved colours are published as --rs-* custom properties on the app root so the CSS and the
// canvas-drawn charts (which cannot use CSS variables) always agree.

export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast';
  foreground: string;
  background: string;
  surface: string;
  border: string;
  muted: string;
  good: string;
  warn: string;
  bad: string;
  accent: string;
  accent2: string;
  fontFamily: string;
}

type ColourKey = Exclude<keyof Theme, 'kind' | 'fontFamily'>;

/** VS Code variable, light fallback, dark fallback (GitHub Primer palette: readable, well known). */
const PALETTE: Record<ColourKey, [string, string, string]> = {
  foreground: ['--vscode-editor-foreground', '#1f2328', '#e6edf3'],
  background: ['--vscode-editor-background', '#f6f8fa', '#0d1117'],
  surface: ['--vscode-sideBar-background', '#ffffff', '#161b22'],
  border: ['--vscode-panel-border', '#d0d7de', '#30363d'],
  muted: ['--vscode-descriptionForeground', '#59636e', '#9198a1'],
  good: ['--vscode-charts-green', '#1a7f37', '#3fb950'],
  warn: ['--vscode-charts-yellow', '#9a6700', '#d29922'],
  bad: ['--vscode-charts-red', '#cf222e', '#f85149'],
  accent: ['--vscode-charts-blue', '#0969da', '#58a6ff'],
  accent2: ['--vscode-charts-purple', '#8250df', '#bc8cff'],
};

const FALLBACK_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif';

/** The body class VS Code sets wins; otherwise the browser's colour-scheme preference. */
function themeKind(body: HTMLElement = document.body): Theme['kind'] {
  const classes = body.classList;
  if (classes.contains('vscode-high-contrast') && !classes.contains('vscode-high-contrast-light')) return 'high-contrast';
  if (classes.contains('vscode-dark')) return 'dark';
  if (classes.contains('vscode-light') || classes.contains('vscode-high-contrast-light')) return 'light';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function readTheme(body: HTMLElement = document.body): Theme {
  const style = getComputedStyle(body);
  const kind = themeKind(body);
  const dark = kind !== 'light';
  const colours = {} as Record<ColourKey, string>;
  for (const key of Object.keys(PALETTE) as ColourKey[]) {
    const [variable, light, darkFallback] = PALETTE[key];
    colours[key] = style.getPropertyValue(variable).trim() || (dark ? darkFallback : light);
  }
  const fontFamily = style.getPropertyValue('--vscode-font-family').trim() || FALLBACK_FONT;
  return { kind, ...colours, fontFamily };
}

/** Publishes the theme as --rs-* properties (CSSOM, so a strict style CSP does not block it). */
export function applyTheme(root: HTMLElement, theme: Theme): void {
  for (const key of Object.keys(PALETTE) as ColourKey[]) root.style.setProperty(`--rs-${key}`, theme[key]);
  root.style.setProperty('--rs-font', theme.fontFamily);
  root.dataset['theme'] = theme.kind;
}

/**
 * Calls `onChange` with a freshly read theme whenever VS Code switches theme (it rewrites the body class and
 * the html style holding the variables) or the browser's colour scheme flips. Returns a stop function.
 */
export function watchTheme(onChange: (theme: Theme) => void, body: HTMLElement = document.body): () => void {
  const reread = () => onChange(readTheme(body));
  const observer = new MutationObserver(reread);
  observer.observe(body, { attributes: true, attributeFilter: ['class', 'style'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  media?.addEventListener('change', reread);
  return () => {
    observer.disconnect();
    media?.removeEventListener('change', reread);
  };
}
