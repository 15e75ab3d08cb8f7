/**
 * ELK on the main thread (bundled to dist/layout-main.js), loaded by layout.ts
 * only where the layout worker cannot start. Exposes the ELK constructor as
 * `globalThis.ConvLensElk`.
 */
import ELK from 'elkjs/lib/elk.bundled.js';

(globalThis as { ConvLensElk?: unknown }).ConvLensElk = ELK;
