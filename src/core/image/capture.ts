/**
 * A feature-map capture as the runtime process returns it, and its summary
 * for the view (everything but the per-layer previews, which the view asks
 * for one layer at a time).
 */
import type { ClassScore, FeatureMapPreview } from './feature-maps';
import type { Layout, PreprocessSpec } from './preprocess';

export interface FeatureMapCapture {
  file: string;
  image: string;
  input: { name: string; dims: number[]; layout: Layout };
  /** The image as the model sees it before normalization: RGB bytes, base64. */
  shown: { width: number; height: number; rgb: string };
  preprocess: PreprocessSpec;
  layers: FeatureMapPreview[];
  /** A classifier's five most likely classes, and where the labels came from. */
  top?: { layer: string; classes: ClassScore[]; labels: string };
  providers: string[];
  notices: string[];
  /** Inference time of all chunks, and the whole capture, ms. */
  runMs: number;
  totalMs: number;
  warnings: string[];
}

/** The capture as the view first gets it: the image by name, the layers that have previews by name. */
export interface FeatureMapsSummary extends Omit<FeatureMapCapture, 'file' | 'image' | 'layers'> {
  image: string;
  layers: string[];
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

export function summaryOf(c: FeatureMapCapture): FeatureMapsSummary {
  return {
    image: baseName(c.image),
    shown: c.shown,
    input: c.input,
    preprocess: c.preprocess,
    layers: c.layers.map((l) => l.layer),
    ...(c.top ? { top: c.top } : {}),
    providers: c.providers,
    notices: c.notices,
    runMs: c.runMs,
    totalMs: c.totalMs,
    warnings: c.warnings,
  };
}
