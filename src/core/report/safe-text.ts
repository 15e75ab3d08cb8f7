/**
 * Model strings (node, tensor and dim names, doc strings, operator types)
 * are written by whoever made the file. Before one reaches a terminal or a
 * file it is made inert, by one rule everywhere:
 *
 *  - control characters are shown, not obeyed: ESC, BEL, CR, newline, tab,
 *    DEL, the C1 controls (U+0080–U+009F, which include the 8-bit CSI and
 *    OSC) and the line and paragraph separators become JavaScript-style
 *    escapes — `\n`, `\r`, `\t`, `\x1b`, `\x07`, `\u2028` — so an ANSI
 *    colour, an OSC 8 hyperlink or a forged line is printed as text and a
 *    layer stays one row;
 *  - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069),
 *    which reorder what is displayed ("Trojan Source", CVE-2021-42574), are
 *    escaped the same way (`\u202e`);
 *  - CSV cells that a spreadsheet would run as a formula (starting with
 *    `=`, `+`, `-`, `@`, tab or CR) get a leading `'`, as OWASP's
 *    CSV-injection advice says, and the cell is quoted.
 *
 * Backslashes are left alone, so a name that really contains `\n` as two
 * characters reads the same as an escaped newline; nothing runs either way.
 */

/** Characters that are escaped wherever model text is written. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control, separator and bidi-override character shown as an escape (see above). */
export function visibleText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** Whether `s` holds a character that `visibleText` would escape. */
export function hasUnsafeChars(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return found;
}

/** Lines of our own text (messages, tables) around model strings: each line made visible, the line breaks kept. */
export function visibleLines(s: string): string {
  return s.split('\n').map(visibleText).join('\n');
}

/**
 * A CSV text cell from a model string: a formula start neutralised with a
 * leading `'` and the cell quoted (OWASP), controls escaped (one line per
 * record), quotes doubled (RFC 4180). Plain names stay unquoted.
 */
export function csvText(s: string): string {
  const formula = /^[=+\-@\t\r]/.test(s);
  const text = visibleText(formula ? `'${s}` : s);
  return formula || /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV number cell: the exact integer, or empty when unknown. */
export function csvNumber(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '' : String(n);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * A Markdown table cell or list item: controls escaped, and the characters
 * that would end the cell (`|`), start a link or image (`[`, `]`), code
 * (`` ` ``), emphasis (`*`) or HTML (`<`, `>`, `&`) written so they render
 * as themselves. (`_` inside names such as `conv_1` starts no emphasis in
 * GitHub Markdown and is left as it is.)
 */
export function mdText(s: string): string {
  return visibleText(s)
    .replace(/[\\|[\]`*]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c]);
}
