// Mounts the real dashboard into the test page (with its real stylesheet, so Chart.js gets real sizes).
import '../../webview/src/dashboard.css';
import { mountDashboard, type Dashboard, type MountOptions } from '../../webview/src/app';
import type { DashboardMessage } from '../../server/src/protocol';

const mounted: Array<{ dashboard: Dashboard; root: HTMLElement }> = [];

export function mount(options: MountOptions = {}): { dashboard: Dashboard; root: HTMLElement } {
  const root = document.createElement('div');
  root.id = 'app';
  document.body.append(root);
  const dashboard = mountDashboard(root, options);
  mounted.push({ dashboard, root });
  return { dashboard, root };
}

/** Delivers messages the way a transport does, then renders (as the next animation frame would). */
export function feed(dashboard: Dashboard, ...messages: DashboardMessage[]): void {
  for (const m of messages) dashboard.dispatch(m);
  dashboard.flush();
}

export function unmountAll(): void {
  for (const { dashboard, root } of mounted.splice(0)) {
    dashboard.destroy();
    root.remove();
  }
}

export function text(root: ParentNode, selector: string): string {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`nothing matches ${selector}`);
  return node.textContent ?? '';
}

export function texts(root: ParentNode, selector: string): string[] {
  return [...root.querySelectorAll(selector)].map((n) => n.textContent ?? '');
}
