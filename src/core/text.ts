/**
 * Text from model files and from libraries, made safe for one terminal line:
 * a node name can carry ESC sequences (colours, OSC 8 hyperlinks, cursor
 * moves), BEL or newlines, and library messages (onnxruntime, HDF5, JSON
 * parse excerpts) span several lines.
 */

/** Control characters (C0, DEL, C1) shown as escapes: `\x1b`, `\x07`, `\u009b`. */
export function escapeControl(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One line: line breaks folded into `; `, other control characters escaped, runs of spaces collapsed. */
export function oneLine(s: string): string {
  const parts = s.split(/\r\n|\r|\n/).map((p) => p.trim()).filter(Boolean);
  return escapeControl(parts.join('; ')).replace(/ {2,}/g, ' ');
}

/**
 * What to tell the user about an unexpected error (not a ModelLoadError or
 * another message written for them): the kind of trouble, not JavaScript's
 * words for it ("x is not a function", "Invalid array length").
 */
export function unexpectedErrorMessage(err: unknown, action = 'analyse it'): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Maximum call stack/i.test(msg)) return `it is nested too deeply to ${action}`;
  if (err instanceof RangeError || /out of memory|allocation failed|Array buffer allocation|Invalid (typed )?array length/i.test(msg)) {
    return `it is too large to ${action} (the work would not fit in memory)`;
  }
  return `an internal error stopped ConvLens (${err instanceof Error ? err.name : 'error'}); set CONVLENS_DEBUG=1 for details and please report it`;
}
