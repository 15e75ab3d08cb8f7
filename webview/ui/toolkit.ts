/**
 * The one module that knows about `@vscode/webview-ui-toolkit` (deprecated
 * upstream, so it stays behind this wrapper and can be swapped): the panels
 * ask for "a button", "a text field", … and get the toolkit's elements.
 *
 * The toolkit (FAST) touches `document` when its module is evaluated, so it
 * is loaded lazily by `registerToolkit()`: modules that use these factories
 * stay importable in Node for unit tests, and esbuild still bundles it into
 * the IIFE (a dynamic import of a bundled module becomes an inline promise).
 * The factories only create elements by tag name and configure them through
 * attributes and text; elements created before registration finishes are
 * upgraded in place once their definitions arrive. Labels are set with
 * textContent, never parsed as HTML.
 */

let registration: Promise<void> | undefined;

/** Defines the toolkit's custom elements (once); resolves when they are defined. */
export function registerToolkit(): Promise<void> {
  registration ??= import('@vscode/webview-ui-toolkit').then((t) => {
    t.provideVSCodeDesignSystem().register(
      t.vsCodeButton(),
      t.vsCodeDivider(),
      t.vsCodeDropdown(),
      t.vsCodeOption(),
      t.vsCodePanels(),
      t.vsCodePanelTab(),
      t.vsCodePanelView(),
      t.vsCodeProgressRing(),
      t.vsCodeTextField(),
    );
  });
  return registration;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary' | 'icon';
  /** Hover text; also the accessible name of icon buttons. */
  title?: string;
  id?: string;
}

/** A `vscode-button`. Clicks are ignored while it is disabled (see `setDisabled`). */
export function button(label: string, onClick: (ev: MouseEvent) => void, opts: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (opts.appearance) b.setAttribute('appearance', opts.appearance);
  if (opts.title) {
    b.title = opts.title;
    if (opts.appearance === 'icon') b.setAttribute('aria-label', opts.title);
  }
  if (opts.id) b.id = opts.id;
  b.addEventListener('click', (ev) => {
    if (!b.hasAttribute('disabled')) onClick(ev);
  });
  return b;
}

/** Enables or disables a toolkit control (button, text field, dropdown). */
export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute('disabled', disabled);
}

/** A `vscode-dropdown` of `options`; `onChange` gets the chosen value when the user picks another. */
export function dropdown<T extends string>(
  options: readonly { value: T; label: string }[],
  value: T,
  onChange: (v: T) => void,
  opts: { title?: string; id?: string } = {},
): HTMLElement & { value: string } {
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  for (const o of options) {
    const item = option(o);
    if (o.value === value) item.setAttribute('selected', '');
    d.append(item);
  }
  if (opts.title) {
    d.title = opts.title;
    d.setAttribute('aria-label', opts.title);
  }
  if (opts.id) d.id = opts.id;
  let last: string = value;
  d.addEventListener('change', (ev) => {
    // Changes of nested controls bubble too; only the dropdown's own count.
    if (ev.target !== d || d.value === last) return;
    last = d.value;
    onChange(d.value as T);
  });
  return d;
}

/** One `vscode-option` of a dropdown: `o.value` is what the dropdown's `.value` reads when it is chosen. */
function option(o: { value: string; label: string }): HTMLElement {
  const item = document.createElement('vscode-option');
  item.setAttribute('value', o.value);
  item.textContent = o.label;
  return item;
}

/** The option of a dropdown made by `dropdown` whose value is `value` (the first, as `querySelector` finds). */
function optionOf(d: HTMLElement, value: string): Element | undefined {
  return Array.from(d.querySelectorAll('vscode-option')).find((e) => e.getAttribute('value') === value);
}

/**
 * Replaces every option of a dropdown made by `dropdown` with `options`. Set
 * its `.value` a frame later: the toolkit reads options once they are slotted.
 */
export function setOptions(d: HTMLElement, options: readonly { value: string; label: string }[]): void {
  d.replaceChildren(...options.map(option));
}

/**
 * Adds (first) or removes the option `o` of a dropdown made by `dropdown`:
 * an option that only some views offer is not there at all in the others
 * (a disabled one would still be listed).
 */
export function setOptionPresent(d: HTMLElement, o: { value: string; label: string }, present: boolean): void {
  const existing = optionOf(d, o.value);
  if (!present) return existing?.remove();
  if (existing) return;
  d.prepend(option(o));
}

/**
 * Disables or enables the option `value` of a dropdown made by `dropdown`
 * (listed, but not choosable: one that needs something first); `title`, when
 * given, becomes its hover text (what it needs, or what it shows).
 */
export function setOptionDisabled(d: HTMLElement, value: string, disabled: boolean, title?: string): void {
  const item = optionOf(d, value);
  item?.toggleAttribute('disabled', disabled);
  if (title !== undefined) item?.setAttribute('title', title);
}

export interface TextFieldOptions {
  placeholder?: string;
  value?: string;
  /** Width in characters. */
  size?: number;
  id?: string;
  /** Visible label (the toolkit renders the field's text content as its label). */
  label?: string;
  /** Hover text and accessible name when there is no visible label. */
  title?: string;
  onInput?: (v: string) => void;
  /** Enter in the field; `shift` when Shift was held. */
  onEnter?: (v: string, shift: boolean) => void;
  /** The value was committed (Enter or leaving the field after editing). */
  onChange?: (v: string) => void;
  /** Escape in the field. */
  onEscape?: () => void;
}

/** A `vscode-text-field`. Read and write its text through `.value`. */
export function textField(opts: TextFieldOptions = {}): HTMLElement & { value: string } {
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  if (opts.placeholder) f.setAttribute('placeholder', opts.placeholder);
  // The `value` attribute is the initial value; it also covers the time before the element is upgraded.
  if (opts.value !== undefined) f.setAttribute('value', opts.value);
  if (opts.size) f.setAttribute('size', String(opts.size));
  if (opts.id) f.id = opts.id;
  if (opts.label) f.textContent = opts.label;
  if (opts.title) {
    f.title = opts.title;
    if (!opts.label) f.setAttribute('aria-label', opts.title);
  }
  const text = () => f.value ?? '';
  if (opts.onInput) f.addEventListener('input', () => opts.onInput!(text()));
  if (opts.onChange) f.addEventListener('change', (ev) => ev.target === f && opts.onChange!(text()));
  f.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && opts.onEnter) {
      ev.preventDefault();
      opts.onEnter(text(), ev.shiftKey);
    } else if (ev.key === 'Escape' && opts.onEscape) {
      ev.preventDefault();
      ev.stopPropagation();
      opts.onEscape();
    }
  });
  return f;
}

/** Focuses a text field made by `textField`, optionally selecting its text. */
export function focusTextField(field: HTMLElement, selectAll = false): void {
  field.focus();
  if (selectAll) (field as HTMLElement & { control?: HTMLInputElement }).control?.select();
}

/**
 * A badge (a count or a short tag). Ours, not `vscode-badge`: the toolkit's
 * badge template carries an inline `style` attribute, which the page's CSP
 * (no 'unsafe-inline' styles) reports as a violation. Styled by `.ui-badge`
 * in media/panels.css with the theme's badge colours.
 */
export function badge(text: string): HTMLElement {
  const b = document.createElement('span');
  b.className = 'ui-badge';
  b.textContent = text;
  return b;
}

export function divider(): HTMLElement {
  const d = document.createElement('vscode-divider');
  d.setAttribute('role', 'separator');
  return d;
}

/** An indeterminate `vscode-progress-ring`. */
export function progressRing(label = 'Loading'): HTMLElement {
  const r = document.createElement('vscode-progress-ring');
  r.setAttribute('aria-label', label);
  return r;
}

export interface TabItem {
  /** Unique in the page: the tab's element id is `tab-${id}`. */
  id: string;
  label: string;
  content: HTMLElement;
}

/** `vscode-panels`: a tab strip over `items`' contents; `onChange` gets the id of the tab the user picks. */
export function tabs(items: readonly TabItem[], opts: { activeId?: string; onChange?: (id: string) => void; id?: string } = {}): HTMLElement {
  const p = document.createElement('vscode-panels');
  if (opts.id) p.id = opts.id;
  for (const item of items) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${item.id}`;
    tab.textContent = item.label;
    p.append(tab);
  }
  for (const item of items) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${item.id}`;
    view.append(item.content);
    p.append(view);
  }
  if (opts.activeId) p.setAttribute('activeid', `tab-${opts.activeId}`);
  p.addEventListener('change', (ev) => {
    if (ev.target !== p || !opts.onChange) return;
    const active = (p as HTMLElement & { activeid?: string }).activeid ?? '';
    if (active.startsWith('tab-')) opts.onChange(active.slice(4));
  });
  return p;
}

/**
 * The note shown beside controls that run a model while the workspace is not
 * trusted (Restricted Mode), with the action that opens the trust editor.
 */
export function trustNote(onManage: () => void, what: string): HTMLElement {
  const note = document.createElement('span');
  note.className = 'trust-note';
  note.setAttribute('role', 'note');
  const text = document.createElement('span');
  text.textContent = `${what} needs a trusted workspace (Restricted Mode).`;
  note.append(text, button('Manage Workspace Trust', onManage, { appearance: 'secondary', title: 'Open the workspace trust editor' }));
  note.hidden = true;
  return note;
}
