// The browser page's key field: where the server needs a key the page has not got (none in its address, or one
// the live feed refused), the page asks for one on the page itself, says why, and connects with what is typed
// (transport.useKey: kept in this page's memory only, never in storage or the address). Before any data it takes
// the empty state's place; over figures already shown (a key revoked meanwhile) it sits under the stale notice.
// Inside VS Code the extension keeps the key and the empty state offers its Set API Key command instead.
import type { DashboardState } from '../state';
import { asksForKey, connectionProblem } from './empty';
import { button, el, setText } from './dom';

/** Ids unique in the page, for the field's description (a test page mounts several dashboards). */
let mounted = 0;

export function createKeyEntryView(container: HTMLElement, useKey: (key: string) => void): (state: DashboardState) => void {
  const title = el('h2', 'rs-key-title', 'An API key is needed');
  const detail = el('p', 'rs-key-detail');
  const form = el('form', 'rs-key-form');
  const label = el('label', 'rs-field');
  const input = el('input', 'rs-input rs-key-input');
  input.type = 'password';
  input.name = 'key';
  input.required = true;
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.setAttribute('autocapitalize', 'off');
  input.placeholder = 'rs_…';
  // Why a key is asked for is what a screen reader says with the field: focused again after a refused key, the field
  // alone said "API key" and nothing of the refusal above it.
  mounted += 1;
  detail.id = `rs-key-detail-${mounted}`;
  input.setAttribute('aria-describedby', detail.id);
  label.append(el('span', 'rs-field-label', 'API key'), input);
  form.append(label, button('rs-button rs-key-connect', 'Connect', 'submit'));
  const note = el('p', 'rs-key-note', 'A key with scope "read". It stays in this page only: not stored, gone on reload. To skip this question (a wallboard), add #token=<key> to the page’s address. A local server writes an admin key to <data>/admin.key.');
  container.append(title, detail, form, note);
  container.hidden = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) useKey(key);
  });

  return (state) => {
    const shown = asksForKey(state, true);
    const appearing = shown && container.hidden;
    container.hidden = !shown;
    if (!shown) return;
    // Over figures already on screen the stale notice above carries the heading's news; before them it is the page.
    container.dataset['placement'] = state.hasSnapshot ? 'board' : 'page';
    title.hidden = state.hasSnapshot;
    setText(detail, connectionProblem(state)?.text ?? '');
    // Ready to type (or to correct a refused key, kept in the field) when it is all the page shows; never moved there
    // on a later render, nor over a board the user may be working in (the feed's filter).
    if (appearing && !state.hasSnapshot) {
      input.focus();
      input.select();
    }
  };
}
