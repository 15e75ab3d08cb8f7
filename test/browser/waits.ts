/**
 * Waiting on the model view's page for a state, never for a time. Each limit
 * only catches a hang: on a busy 2-core machine a layout can take many seconds.
 */
import type { Page } from 'playwright-core';

export const PAINT_TIMEOUT_MS = 120_000;
export const UI_TIMEOUT_MS = 30_000;

/** The graph's zoom layer transform as the page writes it (webview/graph/viewport.ts). */
export const drawnTransform = (t: { x: number; y: number; k: number }) => `translate(${t.x},${t.y}) scale(${t.k})`;
export const zoomLayerTransform = (page: Page) => page.locator('svg.graph > g.zoom').getAttribute('transform');

/**
 * Waits until `selector` matches (the state a test expects); if it never does,
 * the assertions that follow say what the page shows instead.
 */
export async function until(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ timeout: UI_TIMEOUT_MS }).catch(() => undefined);
}

/**
 * Everything the page started has run its course: every image loaded or
 * failed (so an injected `<img onerror>` has fired), and the page is idle.
 * For checks that something did *not* happen, instead of a sleep.
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete), undefined, { timeout: UI_TIMEOUT_MS });
  await page.evaluate(() => new Promise((done) => requestIdleCallback(() => done(undefined))));
}
