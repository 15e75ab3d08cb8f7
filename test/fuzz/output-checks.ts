/**
 * Checks on what the CLI printed: every function returns the problems found
 * (empty when the output is sound), phrased as failure classes.
 *
 * The rules are issue #11's: no JavaScript internals in messages, no raw
 * control characters (terminal escapes) anywhere a person or a spreadsheet
 * reads, no CSV cell a spreadsheet would take for a formula, one CSV row per
 * layer, and no negative, NaN or infinite figure.
 */

/** Messages that show JavaScript or WebAssembly internals instead of the model's problem. */
const INTERNALS: readonly [RegExp, string][] = [
  [/\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError|InternalError)\b/, 'JavaScript error class'],
  [/is not a function|is not a constructor|is not iterable|is not defined/, 'JavaScript type error text'],
  [/Cannot (read|set) propert/, 'JavaScript property access error'],
  [/Cannot convert (a )?(BigInt|Symbol|undefined|null|object)/, 'JavaScript conversion error'],
  [/Maximum call stack/, 'stack overflow'],
  [/^\s*at .*:\d+:\d+\)?\s*$/m, 'stack trace'],
  [/\(node:internal|node:internal\//, 'Node internals'],
  [/\bundefined\b/, '\'undefined\' in a message'],
  [/\bNaN\b/, '\'NaN\' in a message'],
  [/\bInfinity\b/, '\'Infinity\' in a message'],
  [/Invalid (typed )?array length|Array buffer allocation failed|Invalid string length/, 'JavaScript allocation error'],
  [/Aborted\(|RuntimeError: |wasm-function|\bwasm:\/\//, 'WebAssembly abort'],
  [/\[object Object\]/, '\'[object Object]\' in a message'],
  [/FATAL ERROR|JavaScript heap out of memory/, 'V8 fatal error'],
];

/** The first internals rule a text breaks, or undefined. */
export function internalsIn(text: string): string | undefined {
  for (const [re, what] of INTERNALS) if (re.test(text)) return what;
  return undefined;
}

/** C0 controls except tab and newline, DEL, and C1 controls (U+009B is a one-character CSI). */
// eslint-disable-next-line no-control-regex -- finds the raw control characters that must not reach a terminal
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/;

export function controlIn(text: string): string | undefined {
  const m = CONTROL.exec(text);
  return m ? `raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` : undefined;
}

const BAD_WORDS = /\b(NaN|Infinity|undefined)\b/;

/** JSON figures: every number finite and ≥ 0, except receptive-field offsets (negative in the padding, README). */
export function checkJson(stdout: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch (e) {
    return [`--json output is not JSON (${(e as Error).message.slice(0, 60)})`];
  }
  const problems = new Set<string>();
  const walk = (x: unknown, key: string, path: string): void => {
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) problems.add(`non-finite figure at ${path}`);
      else if (x < 0 && key !== 'offset' && !path.endsWith('.offset')) problems.add(`negative figure at ${path}`);
    } else if (typeof x === 'string') {
      if (path.startsWith('.warnings') && internalsIn(x)) problems.add(`warning shows ${internalsIn(x)}`);
    } else if (Array.isArray(x)) {
      x.forEach((e) => walk(e, key, `${path}[]`));
    } else if (x && typeof x === 'object') {
      for (const [k, e] of Object.entries(x)) walk(e, k, `${path}.${/^[\w]+$/.test(k) ? k : '?'}`);
    }
  };
  walk(v, '', '');
  return [...problems];
}

/** RFC 4180 records (quoted cells may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      records.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    records.push(row);
  }
  return records;
}

/** Columns whose cells are counts (profile and runtime CSV). */
const COUNT_COLUMNS = new Set(['index', 'params', 'macs', 'flops', 'activation_bytes', 'time_ms', 'time_p90_ms', 'time_min_ms', 'share', 'gflops_per_s', 'intensity_flops_per_byte']);

/**
 * CSV: a spreadsheet runs a cell that starts with = + - @ (or tab, CR) as a
 * formula, quoted or not (OWASP, "CSV Injection"); rows are one per layer,
 * numbered from 1, each with the header's cells.
 */
export function checkCsv(stdout: string): string[] {
  const problems = new Set<string>();
  const records = parseCsv(stdout);
  if (records.length === 0) return ['empty CSV'];
  const header = records[0];
  let expected = 1;
  for (const r of records.slice(1)) {
    if (r.length !== header.length) problems.add(`CSV row with ${r.length} cells, header has ${header.length}`);
    if (r[0] !== '') {
      if (r[0] !== String(expected)) problems.add('CSV rows not one per layer (index out of sequence)');
      expected = Number(r[0]) + 1;
    }
    r.forEach((cell, c) => {
      const column = header[c] ?? '?';
      if (/^[=+\-@\t\r]/.test(cell)) problems.add(`CSV cell starts with '${JSON.stringify(cell[0]).slice(1, -1)}' (formula) in column ${column}`);
      const ctl = controlIn(cell) ?? (cell.includes('\n') ? 'newline' : undefined);
      if (ctl) problems.add(`${ctl} in a CSV cell (column ${column})`);
      if (COUNT_COLUMNS.has(column) && !/^(\d+(\.\d+)?(e\+\d+)?)?$/.test(cell)) problems.add(`CSV count column ${column} holds '${cell.slice(0, 12)}'`);
    });
  }
  return [...problems];
}

/** Escapes and words such as NaN anywhere in a text report, named after `where` it is. */
function textProblems(text: string, where: string): Set<string> {
  const problems = new Set<string>();
  const ctl = controlIn(text);
  if (ctl) problems.add(`${ctl} in ${where}`);
  if (BAD_WORDS.test(text)) problems.add(`'${BAD_WORDS.exec(text)![0]}' in ${where}`);
  return problems;
}

/** Markdown: one row per layer, numbered, with the header's columns; no escapes or NaN. */
export function checkMarkdown(stdout: string): string[] {
  const problems = textProblems(stdout, 'Markdown output');
  const lines = stdout.split('\n');
  const cells = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length;
  const rows = lines.filter((l) => l.startsWith('|'));
  if (rows.length < 2) return [...problems, 'Markdown output has no table'];
  const width = cells(rows[0]);
  let expected = 1;
  for (const [i, line] of rows.entries()) {
    if (cells(line) !== width) problems.add('Markdown row with the wrong number of cells');
    if (i < 2) continue;
    const index = /^\|\s*(\d*)\s*\|/.exec(line)?.[1];
    if (index) {
      // Numbered by layer: a measured report leaves out the layers fused into others, never repeats one.
      if (Number(index) < expected) problems.add('Markdown rows not one per layer (index out of sequence)');
      expected = Number(index) + 1;
    }
    if (/\|\s*-\d/.test(line)) problems.add('negative figure in Markdown output');
  }
  // A row broken by a newline leaves a line between rows that is not a row.
  const first = lines.findIndex((l) => l.startsWith('|'));
  const last = lines.length - 1 - [...lines].reverse().findIndex((l) => l.startsWith('|'));
  if (lines.slice(first, last + 1).some((l) => !l.startsWith('|'))) problems.add('Markdown table broken by a newline');
  return [...problems];
}

/** The terminal table: rows numbered 1…n with nothing between them, totals without negative figures. */
export function checkTable(stdout: string): string[] {
  const problems = textProblems(stdout, 'the table');
  const lines = stdout.split('\n');
  const rule = lines.findIndex((l) => /^-+( +-+)+$/.test(l));
  if (rule >= 0) {
    let expected = 1;
    for (const line of lines.slice(rule + 1)) {
      if (line === '') break;
      const index = /^\s*(\d+) /.exec(line)?.[1];
      // Numbered by layer: a measured report leaves out the layers fused into others, never repeats one.
      if (index === undefined || Number(index) < expected) {
        problems.add('table rows not one per layer (a line that is not a numbered row)');
        break;
      }
      expected = Number(index) + 1;
    }
  }
  for (const line of lines) {
    if (/^(Parameters|MACs|FLOPs|Activations|Training memory|Latency|Throughput)\b.*[\s(]-\d/.test(line)) problems.add(`negative figure in the totals (${line.split(':')[0]})`);
  }
  return [...problems];
}

/** An HTML report: self-contained and script-free (README), names escaped. */
export function checkHtml(stdout: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(stdout)) problems.push('HTML report contains <script>');
  if (/\son\w+\s*=/i.test(stdout.replace(/<style[\s\S]*?<\/style>/g, ''))) problems.push('HTML report contains an event handler attribute');
  const ctl = controlIn(stdout);
  if (ctl) problems.push(`${ctl} in the HTML report`);
  if (BAD_WORDS.test(stdout.replace(/<style[\s\S]*?<\/style>/g, ''))) problems.push(`'${BAD_WORDS.exec(stdout)![0]}' in the HTML report`);
  return problems;
}
