/**
 * The algorithm runs in a browser: headless Chromium (Debian's package) loads
 * the compiled core as ES modules — WebAssembly kernels included — fits the
 * demo task, and gets Node's history to the golden test's 1e-9 (relative).
 * Not bit for bit: the kernels are, but the browser's Math.pow, Math.log, …
 * round differently in the last bit for a few percent of arguments (Chromium
 * 156 against Node 20), and balancing uses Math.pow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveStatic } from './browser.js';
import { GOLDEN_CASES, fromGoldenJson, goldenDifferences, goldenFit, goldenRecord } from './golden-cases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "zod": "/node_modules/zod/index.js" } }</script>
<script type="module">
  import { GOLDEN_CASES, goldenFit, goldenRecord, toGoldenJson } from '/dist/test/golden-cases.js';
  try {
    window.result = toGoldenJson(goldenRecord(goldenFit(GOLDEN_CASES[0])));
  } catch (e) {
    window.result = 'error: ' + e.message;
  }
</script>`;

describe('the algorithm in a browser', () => {
  it('fits the demo task in Chromium with the same history as in Node', async () => {
    const { server, url } = await serveStatic(ROOT, { '/page.html': PAGE });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
      await page.goto(`${url}/page.html`);
      await page.waitForFunction(() => (globalThis as { result?: string }).result !== undefined, undefined, {
        timeout: 60_000,
      });
      const inBrowser = await page.evaluate(() => (globalThis as { result?: string }).result);
      assert.deepEqual(problems, []);
      assert.ok(inBrowser?.startsWith('{'), inBrowser);
      const diffs = goldenDifferences(goldenRecord(goldenFit(GOLDEN_CASES[0])), fromGoldenJson(inBrowser!), 1e-9);
      assert.deepEqual(diffs.slice(0, 10), [], `${diffs.length} difference(s)`);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
