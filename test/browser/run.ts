/**
 * `npm run test:browser` (= `node scripts/build.mjs && node --import tsx test/browser/run.ts`):
 * the browser suites of webview.test.ts and compare.test.ts against the built page (dist/), in
 * Debian's headless Chromium. Prints one line per test and exits non-zero on
 * any failure. Without /usr/bin/chromium it fails, saying so, unless
 * CONVLENS_SKIP_BROWSER=1. Screenshots go to test-results/browser/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, ROOT, launchChromium, startHarness } from './harness';
import { tests as viewTests } from './webview.test';
import { compareTests } from './compare.test';

const tests = [...viewTests, ...compareTests];

/** Catches a hung test, nothing else: a test on a busy machine may take minutes. */
const TEST_TIMEOUT_MS = 300_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
  if (process.env.CONVLENS_SKIP_BROWSER === '1') {
    console.log('browser tests skipped (CONVLENS_SKIP_BROWSER=1)');
    return 0;
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium); set CONVLENS_SKIP_BROWSER=1 to skip them`);
    return 1;
  }
  const missing = ['webview.js', 'layout-worker.js', 'layout-main.js'].filter((f) => !existsSync(join(ROOT, 'dist', f)));
  if (missing.length > 0) {
    console.error(`dist/ lacks ${missing.join(', ')}: run \`node scripts/build.mjs\` first`);
    return 1;
  }
  const only = process.argv.slice(2);
  const selected = only.length ? tests.filter((t) => only.some((o) => t.name.includes(o))) : tests;

  const harness = await startHarness();
  const browser = await launchChromium();
  let failed = 0;
  try {
    for (const t of selected) {
      const t0 = performance.now();
      try {
        await withTimeout(t.run({ browser, harness }), TEST_TIMEOUT_MS, t.name);
        console.log(`  ✔ ${t.name} (${Math.round(performance.now() - t0)} ms)`);
      } catch (err) {
        failed++;
        console.log(`  ✖ ${t.name} (${Math.round(performance.now() - t0)} ms)`);
        console.log(`    ${((err as Error).stack ?? String(err)).split('\n').join('\n    ')}`);
      }
    }
  } finally {
    await browser.close();
    await harness.close();
  }
  console.log(`\n${selected.length - failed} passed, ${failed} failed (browser: ${CHROMIUM}; screenshots in test-results/browser/)`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
