/**
 * What the page shows in place of the model view when a model cannot be
 * opened, or cannot be profiled at the input shapes asked for: the file, the
 * reason, and where to set the shapes back.
 */
import { el } from '../ui/dom';

export function loadError(file: string, message: string, inputShapes: boolean): HTMLElement {
  const box = el('div', undefined, 'error');
  box.setAttribute('role', 'alert');
  box.append(el('h1', inputShapes ? `Cannot profile ${file} at these input shapes` : `Cannot open ${file}`, undefined), el('p', message, undefined));
  // The batch control is part of the profile view, gone now: say where the shapes are set.
  if (inputShapes) box.append(el('p', 'Set them back with "ConvLens: Set Input Shape / Batch Size" (Reset) or the convlens.profile.batchSize setting.', undefined));
  return box;
}
