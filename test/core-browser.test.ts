/**
 * The algorithm runs in a browser: headless Chromium (Debian's package) loads
 * the compiled core as ES modules — WebAssembly kernels included — fits the
 * demo task, and gets Node's history to the golden test's 1e-9 (relative); and
 * it exports a network as ONNX, byte for byte as Node does.
 * Not bit for bit: the kernels are, but the browser's Math.pow, Math.log, …
 * round differently in the last bit for a few percent of arguments (Chromium
 * 156 against Node 20), and balancing uses Math.pow.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { networkToOnnx } from '../src/export/onnx.js';
import { Network } from '../src/model/network.js';
import { launchChromium, serveStatic } from './browser.js';
import { GOLDEN_CASES, fromGoldenJson, goldenDifferences, goldenFit, goldenRecord } from './golden-cases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)

/** A network with preprocessing and named columns, exported in the page and in Node. */
const ONNX_CASE = {
  widths: [3, 4, 2, 2],
  activation: { name: 'custom', p: 3, alpha: 0.5 },
  params: Array.from({ length: 3 * 4 + 4 * 2 + 2 * 2 }, (_, i) => Math.sin(i + 1) / 3),
  options: {
    features: ['a', 'b'],
    targets: ['u', 'v'],
    preprocessing: { intercept: true, featureMean: [1, -2], featureScale: [0.5, 3], targetMean: [0, 7] },
  },
};

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": {
  "zod": "/node_modules/zod/index.js",
  "@bufbuild/protobuf": "/node_modules/@bufbuild/protobuf/dist/esm/index.js",
  "@bufbuild/protobuf/codegenv2": "/node_modules/@bufbuild/protobuf/dist/esm/codegenv2/index.js",
  "ml-matrix": "/ml-matrix.js"
} }</script>
<script type="module">
  import { GOLDEN_CASES, goldenFit, goldenRecord, toGoldenJson } from '/dist/test/golden-cases.js';
  import { Network } from '/dist/src/model/network.js';
  import { networkToOnnx } from '/dist/src/export/onnx.js';
  try {
    const c = ${JSON.stringify(ONNX_CASE)};
    window.onnx = Array.from(networkToOnnx(new Network(c.widths, c.activation, c.params), c.options));
    window.result = toGoldenJson(goldenRecord(goldenFit(GOLDEN_CASES[0])));
  } catch (e) {
    window.result = 'error: ' + e.message;
  }
</script>`;

/**
 * ml-matrix (the growth rules' factorizations) ships CommonJS, an ES build with extension-less imports that only a
 * bundler resolves, and a UMD file: the page loads the UMD file and re-exports what it defines, as a bundler would.
 */
const ML_MATRIX_NAMES = Object.keys(createRequire(import.meta.url)('ml-matrix')).filter((name) => name !== 'default');
const ML_MATRIX = `import '/node_modules/ml-matrix/matrix.umd.js';
export const { ${ML_MATRIX_NAMES.join(', ')} } = globalThis.mlMatrix;`;

describe('the algorithm in a browser', () => {
  it('fits the demo task in Chromium with the same history as in Node, and exports the same ONNX bytes', async () => {
    const { server, url } = await serveStatic(ROOT, { '/page.html': PAGE, '/ml-matrix.js': ML_MATRIX });
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
      const onnx = await page.evaluate(() => (globalThis as { onnx?: number[] }).onnx);
      const { widths, activation, params, options } = ONNX_CASE;
      assert.deepEqual(onnx, Array.from(networkToOnnx(new Network(widths, activation, params), options)));
    } finally {
      await browser.close();
      server.close();
    }
  });
});
