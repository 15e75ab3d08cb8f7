/**
 * The webview's one element helper: `el(tag, text, className)`. Text is set
 * through textContent with control and bidirectional characters shown as
 * escapes (safe-text.ts), never parsed as HTML. One argument order for every
 * panel, so a class name cannot end up as text.
 */
import { visibleText } from '../../src/core/report/safe-text';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = visibleText(text);
  if (cls) e.className = cls;
  return e;
}
