/**
 * A classifier's top-5 for feature-map captures (both engines): labels from
 * the file beside the model, else, for 1,000 classes, the bundled ImageNet
 * list; a labels file with another count is not used, with a warning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readSideFile } from '../core/loaders/side-files';
import { parseLabels, topClasses } from '../core/image/feature-maps';
import type { FeatureMapCapture } from '../core/image/capture';
import type { CaptureRequest } from './messages';

export function classify(layer: string, scores: ArrayLike<number>, req: Pick<CaptureRequest, 'labelsPath' | 'imagenetLabels'>, warnings: string[]): NonNullable<FeatureMapCapture['top']> {
  let labels: string[] | undefined;
  let from = 'none (class numbers)';
  for (const f of [req.labelsPath, scores.length === 1000 ? req.imagenetLabels : undefined]) {
    if (!f || !existsSync(f)) continue;
    let text: string;
    try {
      // The labels file beside the model is the model's side file: a link out of its folder, or a pipe, is not read.
      text = f === req.labelsPath ? readSideFile(dirname(f), basename(f), basename(f), 'labels file').toString('utf8') : readFileSync(f, 'utf8');
    } catch (err) {
      warnings.push(`${(err as Error).message}; not used`);
      continue;
    }
    const parsed = parseLabels(text);
    if (parsed.length === scores.length) {
      labels = parsed;
      from = basename(f);
      break;
    }
    warnings.push(`${basename(f)} has ${parsed.length} labels but the model has ${scores.length} classes; not used`);
  }
  return { layer, classes: topClasses(scores, labels), labels: from };
}
