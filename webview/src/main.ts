// Bundle entry (dist/dashboard.js): mounts the dashboard into #app, creating it if the host page has none.
// early.ts first: modules are evaluated in import order, and it sets the page's connection going before the rest.
import { earlyTransport } from './early';
import { boot } from './boot';

export { renderedSummary } from './summary';
export { reduce, initialState } from './state';

export const MOUNT_ID = 'app';

function mountPoint(): HTMLElement {
  const existing = document.getElementById(MOUNT_ID);
  if (existing) return existing;
  const created = document.createElement('div');
  created.id = MOUNT_ID;
  document.body.append(created);
  return created;
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => boot(mountPoint(), earlyTransport), { once: true });
  else boot(mountPoint(), earlyTransport);
}
