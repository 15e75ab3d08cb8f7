/**
 * A classifier's top-5 for feature-map captures (both engines): labels from
 * the file beside the model, else, for 1,000 classes, the bundled ImageNet
 * list; a labels file with another count is not used, with a warning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseLabels, topClasses } from '../core/image/feature-maps';
import type { FeatureMapCapture } from '../core/image/capture';
import type { CaptureRequest } from './messages';

export function classify(layer: string, scores: ArrayLike<number>, req: Pick<CaptureRequest, 'labelsPath' | 'imagenetLabels'>, warnings: string[]): NonNullable<FeatureMapCapture['top']> {
  let labels: string[] | undefined;
  let from = 'none (class numbers)';
  for (const f of [req.labelsPath, scores.length === 1000 ? req.imagenetLabels : undefined]) {
    if (!f || !existsSync(f)) continue;
    const parsed = parseLabels(readFileSync(f, 'utf8'));
    if (parsed.length === scores.length) {
      labels = parsed;
      from = basename(f);
      break;
    }
    warnings.push(`${basename(f)} has ${parsed.length} labels but the model has ${scores.length} classes; not used`);
  }
  return { layer, classes: topClasses(scores, labels), labels: from };
}
