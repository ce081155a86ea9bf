// The controls bar: window (live 1 h, today, 7 d, 30 d, custom range), site and standard filters.
// Native buttons and selects, so everything works with the keyboard and a screen reader as is.
import { compareText, DASHBOARD_WINDOWS, siteLabel } from '@ringside/server/protocol/pure';
import { WINDOW_LABELS, windowPhrase, type DashboardSelection } from '../selection';
import type { DashboardState, LocalAction } from '../state';
import { button, el, input } from './dom';

/** "2026-11-23T14:05" in local time, what <input type="datetime-local"> takes; '' for null. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function option(value: string, label: string): HTMLOptionElement {
  const node = el('option', undefined, label);
  node.value = value;
  return node;
}

export function createControlsView(container: HTMLElement, dispatch: (action: LocalAction) => void): (state: DashboardState) => void {
  const select = (selection: Partial<DashboardSelection>) => dispatch({ type: 'ui/select', selection });
  const nodes = buildControls(container);
  const { buttons, custom, fromInput, toInput, customError, siteSelect, standardSelect } = nodes;
  const customButton = buttons.find((b) => b.dataset['window'] === 'custom')!;

  let customOpen = false;
  let latest: DashboardState | null = null;
  const render = (state: DashboardState) => {
    latest = state;
    renderControls(nodes, state, customOpen);
  };

  for (const b of buttons) {
    b.addEventListener('click', () => {
      const w = b.dataset['window'] as DashboardSelection['window'];
      if (w === 'custom') {
        // Open the range form prefilled with the window on screen; the selection changes on Apply.
        customOpen = true;
        prefillCustomRange(nodes);
        if (latest) render(latest);
        fromInput.focus();
        return;
      }
      customOpen = false;
      customError.textContent = '';
      select({ window: w });
      if (latest) render(latest);
    });
  }
  custom.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = fromLocalInput(fromInput.value);
    const to = fromLocalInput(toInput.value);
    if (!from || !to || Date.parse(from) >= Date.parse(to)) {
      customError.textContent = 'Choose a start before the end.';
      return;
    }
    customError.textContent = '';
    customOpen = false;
    select({ window: 'custom', from, to });
  });
  // Escape leaves a range not applied yet: the form closes on the window still shown.
  custom.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !customOpen || latest?.selection.window === 'custom') return;
    customOpen = false;
    customError.textContent = '';
    if (latest) render(latest);
    customButton.focus();
  });
  siteSelect.addEventListener('change', () => select({ site: siteSelect.value || null }));
  standardSelect.addEventListener('change', () => select({ standard: standardSelect.value || null }));

  return render;
}

interface ControlNodes {
  buttons: HTMLButtonElement[];
  custom: HTMLFormElement;
  fromInput: HTMLInputElement;
  toInput: HTMLInputElement;
  customError: HTMLSpanElement;
  /** While a range is being chosen: which window the board still shows until Apply. */
  customPending: HTMLSpanElement;
  /** Names the zone the pickers read (the device's), once the form first shows. */
  customZone: HTMLSpanElement;
  siteSelect: HTMLSelectElement;
  standardSelect: HTMLSelectElement;
}

/** The window buttons, the custom range form and the two filters, appended to the container. */
function buildControls(container: HTMLElement): ControlNodes {
  container.setAttribute('aria-label', 'Dashboard filters');
  const windows = el('div', 'rs-segmented');
  windows.setAttribute('role', 'group');
  windows.setAttribute('aria-label', 'Window');
  const buttons = DASHBOARD_WINDOWS.map((w) => {
    const segment = button('rs-segment', WINDOW_LABELS[w]);
    segment.dataset['window'] = w;
    return segment;
  });
  windows.append(...buttons);

  const custom = el('form', 'rs-custom');
  custom.setAttribute('aria-label', 'Custom range');
  // Plain inputs until the form is first shown (asDateInputs): the first date input a page makes loads the
  // browser's date formats from ICU (~40 ms in a fresh Chromium page, measured), which would be on the first
  // render's path for a form most loads never open.
  const fromInput = input('rs-input', { type: 'text', name: 'from', label: 'From' });
  const toInput = input('rs-input', { type: 'text', name: 'to', label: 'To' });
  const apply = button('rs-button rs-button--small', 'Apply', 'submit');
  const customError = el('span', 'rs-custom-error');
  customError.setAttribute('role', 'alert');
  const customZone = el('span', 'rs-custom-zone');
  const customPending = el('span', 'rs-custom-pending');
  customPending.setAttribute('role', 'status');
  custom.append(fromInput, el('span', 'rs-custom-sep', '–'), toInput, customZone, apply, customPending, customError);

  const [siteLabel, siteSelect] = labelledSelect('Site', 'rs-select rs-select-site', 'site');
  const [standardLabel, standardSelect] = labelledSelect('Standard', 'rs-select rs-select-standard', 'standard');
  container.append(windows, custom, siteLabel, standardLabel);
  return { buttons, custom, fromInput, toInput, customZone, customError, customPending, siteSelect, standardSelect };
}

function labelledSelect(label: string, className: string, name: string): [HTMLLabelElement, HTMLSelectElement] {
  const field = el('label', 'rs-field');
  const selectNode = el('select', className);
  selectNode.name = name;
  field.append(el('span', 'rs-field-label', label), selectNode);
  return [field, selectNode];
}

function renderControls(nodes: ControlNodes, state: DashboardState, customOpen: boolean): void {
  const { buttons, custom, customPending, fromInput, toInput, siteSelect, standardSelect } = nodes;
  const { selection } = state;
  // The pressed window is the one on screen, as the subtitle and every panel name it: a range being chosen is not
  // shown until Apply, so Custom is then open (aria-expanded) but not pressed.
  for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset['window'] === selection.window));
  custom.hidden = !(customOpen || selection.window === 'custom');
  buttons.find((b) => b.dataset['window'] === 'custom')?.setAttribute('aria-expanded', String(!custom.hidden));
  const pending = !custom.hidden && selection.window !== 'custom';
  customPending.hidden = !pending;
  customPending.textContent = pending ? `Still showing ${windowPhrase(selection)} until Apply` : '';
  if (!custom.hidden) asDateInputs(nodes);
  if (selection.window === 'custom' && document.activeElement !== fromInput && document.activeElement !== toInput) {
    fromInput.value = toLocalInput(selection.from);
    toInput.value = toLocalInput(selection.to);
  }
  const sites = [...state.knownSites];
  if (selection.site && !sites.includes(selection.site)) sites.push(selection.site);
  // Named as every panel names them (the display name, the id where there is none), in the order of those names.
  const labels = sites.map((s) => siteLabel(s, state.siteNames));
  // Two sites of one name are told apart by their ids.
  const shared = new Set(labels.filter((l, i) => labels.indexOf(l) !== i));
  const options = sites.map((s, i): [string, string] => [s, shared.has(labels[i]!) ? `${labels[i]} (${s})` : labels[i]!]).sort((a, b) => compareText(a[1], b[1]) || compareText(a[0], b[0]));
  syncOptions(siteSelect, [['', 'All sites'], ...options]);
  siteSelect.value = selection.site ?? '';
  syncOptions(standardSelect, [['', 'All standards'], ...state.standards.map((s) => [s.id, s.name] as [string, string])]);
  standardSelect.value = selection.standard ?? '';
}

/** The range form's inputs as the date and time pickers they are once the form shows, saying whose clock they read. */
function asDateInputs(nodes: ControlNodes): ControlNodes {
  for (const node of [nodes.fromInput, nodes.toInput]) if (node.type !== 'datetime-local') node.type = 'datetime-local';
  // The pickers read this device's clock, which may not be the site's: the form says which it is.
  if (!nodes.customZone.textContent) nodes.customZone.textContent = `your time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
  return nodes;
}

/** An empty range form starts as the last 24 hours. */
function prefillCustomRange(nodes: ControlNodes): void {
  const { fromInput, toInput } = asDateInputs(nodes);
  if (fromInput.value && toInput.value) return;
  const now = Date.now();
  fromInput.value = toLocalInput(new Date(now - 86_400_000).toISOString());
  toInput.value = toLocalInput(new Date(now).toISOString());
}

/** Replaces a select's options only when they changed, so an open dropdown is not reset by live traffic. */
function syncOptions(selectNode: HTMLSelectElement, options: Array<[string, string]>): void {
  const current = [...selectNode.options].map((o) => `${o.value}\u0000${o.textContent}`);
  const wanted = options.map(([v, l]) => `${v}\u0000${l}`);
  if (current.length === wanted.length && current.every((c, i) => c === wanted[i])) return;
  selectNode.replaceChildren(...options.map(([v, l]) => option(v, l)));
}
