import { h, lang } from './common.ts';
import { categoryIds, categoryName } from './i18n.ts';
import { tm, type MKey } from './maker-i18n.ts';
import { errorText } from './session.ts';

/** What the maker page's sections share: element lookup, tables, messages, form values. */
export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The maker the page acts for, from the account or token (never typed); null: none. */
export const state: { maker: string | null } = { maker: null };

type Cell = Node | string | null;

/**
 * A table with column headers `cols` (maker-page words) and one row per entry; a row with
 * `edit` gets a button naming it that puts the entry in the section's form, to update it.
 */
export function table(
  id: string,
  cols: readonly MKey[],
  rows: Array<{ attrs: Record<string, string>; head: string; cells: Cell[]; edit?: () => void }>,
): HTMLTableElement {
  const editable = rows.some((r) => r.edit);
  return h(
    'table',
    { id },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...cols.map((k) => h('th', { scope: 'col' }, tm(k))),
        editable
          ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, tm('edit')))
          : null,
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) => {
        let button: HTMLButtonElement | null = null;
        if (r.edit) {
          button = h(
            'button',
            { type: 'button', class: 'secondary', 'aria-label': tm('editThis', { id: r.head }) },
            tm('edit'),
          );
          button.addEventListener('click', r.edit);
        }
        return h(
          'tr',
          r.attrs,
          h('th', { scope: 'row' }, r.head),
          ...r.cells.map((c) => h('td', {}, c)),
          editable ? h('td', { class: 'actions' }, button) : null,
        );
      }),
    ),
  );
}

/** Puts values in a form's controls (by id) and moves the focus to `focus`. */
export function fillForm(values: Record<string, string>, focus: string): void {
  for (const [id, v] of Object.entries(values))
    $<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(id).value = v;
  $(focus).focus();
}

/** The list of a section, or its "none yet" line. */
export function listOrNone(box: string, none: MKey, build: () => HTMLTableElement | null): void {
  $(box).replaceChildren(build() ?? h('p', { class: 'muted' }, tm(none)));
}

/** Shows (or clears, with undefined) a section's error in the page's language. */
export function showError(box: string, err: unknown): void {
  const el = $(box);
  el.hidden = err === undefined;
  el.textContent = err === undefined ? '' : errorText(err);
}

/** A form control's trimmed value. */
export const val = (id: string): string =>
  $<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(id).value.trim();

/** The non-empty lines of a textarea. */
export const lines = (id: string): string[] =>
  val(id)
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);

/** Fills every `.category-select` with the categories in the page's language (keeps the choice). */
export function fillCategories(): void {
  for (const sel of document.querySelectorAll<HTMLSelectElement>('select.category-select')) {
    const chosen = sel.value || 'air_conditioner';
    sel.replaceChildren(
      ...categoryIds().map((c) => h('option', { value: c }, categoryName(lang(), c))),
    );
    sel.value = chosen;
  }
}

/**
 * Wires a section's form: on submit, `send()`; then the form is cleared, the page reloaded,
 * `done()` is announced in the status line and the focus goes back to the first field.
 */
export function wireForm(
  name: string,
  first: string,
  send: () => Promise<unknown>,
  done: () => string,
  reload: () => Promise<void>,
  onError: (err: unknown) => void = (err) => showError(`${name}-error`, err),
): void {
  const form = $<HTMLFormElement>(`${name}-form`);
  const submit = $<HTMLButtonElement>(`${name}-submit`);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onError(undefined);
    $(`${name}-status`).textContent = '';
    submit.disabled = true;
    send()
      .then(async () => {
        const message = done();
        const keep = [...form.querySelectorAll<HTMLSelectElement>('select')].map((s) => s.value);
        form.reset();
        form.querySelectorAll<HTMLSelectElement>('select').forEach((s, i) => {
          s.value = keep[i] ?? s.value;
        });
        await reload();
        $(`${name}-status`).textContent = message;
        $(first).focus();
      })
      .catch(onError)
      .finally(() => (submit.disabled = false));
  });
}
