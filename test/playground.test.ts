/**
 * The playground (playground/): built by `npm run build:playground` as a user builds it, served as static files,
 * driven in headless Chromium (Debian's package). The fit must be the command line's, the page must stay
 * responsive and free of console errors, and a link must reproduce a configuration. Screenshots of every view go
 * to playground/screenshots/ (git-ignored) for review.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { networkToOnnx } from '../src/export/onnx.js';
import { modelFromJson } from '../src/io/model-format.js';
import { KERNELS_WASM_BASE64 } from '../src/linalg/kernels-wasm.generated.js';
import { relativeError } from '../src/model/metrics.js';
import { getTask, taskData } from '../src/tasks/tasks.js';
import { launchChromium, serveStatic } from './browser.js';
import { goldenDifferences } from './golden-cases.js';
import { runCli } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)
const SITE = join(ROOT, 'playground/dist');
const SHOTS = join(ROOT, 'playground/screenshots');
const LONG = 120_000;

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path).map((f) => join(name, f)) : [name];
  });
}

/** The history rows without what differs by design: the time, and the weights `train --out` also records. */
function comparable(file: { stopReason: string; history: Record<string, unknown>[] }): unknown {
  return {
    stopReason: file.stopReason,
    history: file.history.map(({ seconds: _s, kktPoint: _k, weights: _w, ...rest }) => rest),
  };
}

const LONG_TASKS = `
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });`;

describe('the playground in a browser', () => {
  let server: Server;
  let url: string;
  let browser: Browser;
  let cliHistory: unknown;
  let cliDir: string;

  before(async () => {
    const built = spawnSync('npm', ['run', 'build:playground', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, `npm run build:playground failed:\n${built.stdout}${built.stderr}`);
    ({ server, url } = await serveStatic(SITE));
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    cliDir = mkdtempSync(join(tmpdir(), 'np-playground-'));
    const cli = runCli(['train', '--task', 'demo', '--out', 'run', '--quiet', '--no-report'], cliDir);
    assert.equal(cli.code, 0, cli.stderr);
    cliHistory = comparable(JSON.parse(readFileSync(join(cliDir, 'run/history.json'), 'utf8')));
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (cliDir) rmSync(cliDir, { recursive: true, force: true });
  });

  /** A page of the playground at `query`, its console errors collected, once the worker has said it is ready. */
  async function open(query: string, viewport = { width: 1280, height: 800 }) {
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
    await page.addInitScript({ content: LONG_TASKS });
    await page.goto(`${url}/?${query}`);
    await waitForText(page, 'status', (s) => s === 'ready');
    return { page, problems };
  }

  /** Waits until the element's text passes `ok`, and returns it. */
  async function waitForText(page: Page, id: string, ok: (text: string) => boolean): Promise<string> {
    const deadline = Date.now() + LONG;
    for (;;) {
      const text = (await page.getByTestId(id).textContent()) ?? '';
      if (ok(text)) return text;
      if (Date.now() > deadline) throw new Error(`[data-testid=${id}] still shows '${text}' after ${LONG} ms`);
      await page.waitForTimeout(50);
    }
  }

  const value = async (page: Page, id: string) => (await page.getByTestId(id).textContent()) ?? '';

  /** The file a download button saves: its name and bytes. */
  async function downloadFile(page: Page, id: string): Promise<{ name: string; bytes: Buffer }> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
    return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
  }
  const download = async (page: Page, id: string) => (await downloadFile(page, id)).bytes.toString('utf8');

  async function screenshots(page: Page, prefix: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${prefix}-page.png`), fullPage: true });
    for (const view of ['diagram', 'loss', 'ncf', 'errors', 'plane', 'vertices']) {
      const section = page.getByTestId(`view-${view}`);
      if (await section.isVisible()) await section.screenshot({ path: join(SHOTS, `${prefix}-${view}.png`) });
    }
  }

  /** The layer of every hidden neuron the diagram draws. */
  const neurons = async (page: Page) =>
    (await page.getByTestId('neuron').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-layer')))).map(
      Number,
    );

  it('is a static site of under 500 kB gzipped without the WebAssembly kernels, with relative paths', (t) => {
    const sizes = files(SITE).map((file) => {
      const content = readFileSync(join(SITE, file), 'utf8');
      return {
        file,
        gzipped: gzipSync(content, { level: 9 }).length,
        withoutKernels: gzipSync(content.replace(KERNELS_WASM_BASE64, ''), { level: 9 }).length,
      };
    });
    assert.ok(
      sizes.some((s) => s.withoutKernels < s.gzipped - 5000),
      'the kernels are in the bundle',
    );
    const total = sizes.reduce((s, f) => s + f.withoutKernels, 0);
    t.diagnostic(`gzipped: ${sizes.map((s) => `${s.file} ${s.gzipped} B`).join(', ')}`);
    t.diagnostic(`all files gzipped without the kernels: ${(total / 1000).toFixed(1)} kB`);
    assert.ok(total < 500_000, `${total} B`);
    const html = readFileSync(join(SITE, 'index.html'), 'utf8');
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(references.length >= 2, html);
    for (const ref of references)
      assert.ok(ref.startsWith('./') || ref.startsWith('data:'), `${ref} is not relative: the site must move`);
  });

  it('fits the demo as `train --task demo` does, with a responsive page and no console errors', async () => {
    const { page, problems } = await open('task=demo');
    assert.equal(await value(page, 'command'), 'npx neuron-pursuit train --task demo --seed 0');
    const supported = await page.evaluate("PerformanceObserver.supportedEntryTypes.includes('longtask')");
    assert.equal(supported, true, 'this Chromium reports long tasks');
    const start = (await page.evaluate('performance.now()')) as number;
    await page.getByTestId('run').click();
    await waitForText(page, 'status', (s) => s === 'stopped: target');
    const end = (await page.evaluate('performance.now()')) as number;
    assert.ok(Number(await value(page, 'test-error')) < 1e-2, await value(page, 'test-error'));
    assert.equal(await value(page, 'widths'), '2×1');
    assert.deepEqual((await neurons(page)).sort(), [1, 1, 2]);
    const history = JSON.parse(await download(page, 'download-history'));
    const differences = goldenDifferences(cliHistory, comparable(history), 1e-9);
    assert.deepEqual(differences.slice(0, 10), [], `${differences.length} difference(s) from the command line's`);
    // the model file is the network the page shows: its test error is the history's last
    const { network } = modelFromJson(JSON.parse(await download(page, 'download-model')));
    const { test } = taskData(getTask('demo'), 0);
    const testError = relativeError(network.forward(test.X), test.Y);
    assert.ok(Math.abs(testError - history.history.at(-1).testError) <= 1e-9 * testError);

    type LongTask = { start: number; duration: number };
    const during = ((await page.evaluate('window.longTasks')) as LongTask[]).filter(
      (task) => task.start >= start && task.start <= end,
    );
    assert.deepEqual(
      during.filter((task) => task.duration > 200),
      [],
      'no task on the main thread over 200 ms during the fit',
    );
    // the instrument itself: a 250 ms task now is seen
    await page.evaluate('setTimeout(() => { const t = performance.now(); while (performance.now() - t < 250); })');
    await page.waitForTimeout(600);
    const seen = (await page.evaluate('window.longTasks')) as LongTask[];
    assert.ok(
      seen.some((task) => task.duration >= 250),
      'the long-task observer sees a long task',
    );
    await screenshots(page, 'demo');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('Pause holds the fit between two GD checks; Run goes on to the same history', async () => {
    // hypercube-f1 (seconds, not the demo's fraction of one), against its golden fixture: `train --task hypercube-f1`
    const golden = comparable(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/golden-hypercube-f1.json'), 'utf8')));
    const { page, problems } = await open('task=hypercube-f1');
    await page.getByTestId('run').click();
    await waitForText(page, 'iteration', (s) => s === '2');
    await waitForText(page, 'phase', (s) => s.startsWith('GD step'));
    await page.getByTestId('pause').click();
    assert.equal(await waitForText(page, 'status', (s) => s === 'paused' || s.startsWith('stopped')), 'paused');
    const held = [await value(page, 'iteration'), await value(page, 'phase')];
    await page.waitForTimeout(500);
    assert.deepEqual([await value(page, 'iteration'), await value(page, 'phase')], held);
    assert.equal(await page.getByTestId('run').isEnabled(), true);
    await page.getByTestId('run').click();
    await waitForText(page, 'status', (s) => s.startsWith('stopped'));
    const history = JSON.parse(await download(page, 'download-history'));
    assert.deepEqual(goldenDifferences(golden, comparable(history), 1e-9).slice(0, 10), []);
    await screenshots(page, 'hypercube-f1');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('Step on hypersphere-f1 runs one NP iteration: the one-wide network, then exactly one neuron more', async () => {
    const { page, problems } = await open('task=hypersphere-f1&samples=400');
    await page.getByTestId('step').click();
    await waitForText(page, 'status', (s) => s === 'paused');
    assert.equal(await value(page, 'iteration'), '1');
    assert.deepEqual((await neurons(page)).sort(), [1, 2]);
    await page.getByTestId('step').click();
    await waitForText(page, 'iteration', (s) => s === '2');
    await waitForText(page, 'status', (s) => s === 'paused' || s.startsWith('stopped'));
    assert.equal((await neurons(page)).length, 3);
    assert.equal(await page.locator('#diagram .neuron.new').count(), 1, 'the new neuron is highlighted');
    await screenshots(page, 'hypersphere-step');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('a link reproduces a configuration and the controls write it back; a bad link says what is wrong', async () => {
    const { page, problems } = await open('task=ridges-2d&seed=3&noise=0.05&depth=4');
    assert.equal(await page.locator('#task').inputValue(), 'ridges-2d');
    assert.equal(await page.locator('#seed').inputValue(), '3');
    assert.equal(await page.locator('#noise').inputValue(), '0.05');
    assert.equal(await page.locator('#depth').inputValue(), '4');
    assert.equal(await page.locator('#lr').inputValue(), '0.1', "the task's default");
    assert.equal(
      await value(page, 'command'),
      'npx neuron-pursuit train --task ridges-2d --noise 0.05 --seed 3 --depth 4',
    );
    await page.locator('#lr').fill('0.05');
    await page.locator('#lr').press('Enter');
    await waitForText(page, 'status', (s) => s === 'ready');
    assert.match(page.url(), /[?&]lr=0\.05(&|$)/);
    assert.match(page.url(), /[?&]depth=4(&|$)/);
    await page.locator('#task').selectOption('abs-2d');
    await waitForText(page, 'status', (s) => s === 'ready');
    assert.equal(new URL(page.url()).search, '?task=abs-2d&seed=3&noise=0.05', 'a new task starts from its defaults');
    assert.deepEqual(problems, []);
    await page.close();

    // modular addition trains on the number of pairs asked for; a new P goes back to half its pairs
    const modular = await open('task=modular-addition&modulus=5&samples=10');
    assert.equal(await modular.page.locator('#samples').isEnabled(), true);
    assert.equal(await modular.page.locator('#samples').inputValue(), '10');
    assert.equal(
      await value(modular.page, 'command'),
      'npx neuron-pursuit train --task modular-addition-5 --samples 10 --seed 0',
    );
    await modular.page.locator('#modulus').fill('7');
    await modular.page.locator('#modulus').press('Enter');
    await waitForText(modular.page, 'command', (s) => s.includes('modular-addition-7'));
    await waitForText(modular.page, 'status', (s) => s === 'ready');
    assert.equal(await modular.page.locator('#samples').inputValue(), '24', 'half of the 49 pairs');
    assert.deepEqual(modular.problems, []);
    await modular.page.close();

    const bad = await open('task=demo&depth=abc');
    assert.equal(await value(bad.page, 'notice'), 'link parameter depth=abc: expected an integer from 2 to 6');
    await bad.page.close();
  });

  it('draws a plane task as an image beside its target, with the ridge of each neuron added', async () => {
    const { page, problems } = await open('task=ridges-2d');
    await page.getByTestId('run').click();
    await waitForText(page, 'status', (s) => s.startsWith('stopped'));
    assert.ok(Number(await value(page, 'test-error')) < 1e-2);
    assert.equal((await page.locator('#plane-view canvas').count()) >= 2, true);
    await screenshots(page, 'ridges-2d');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('trains on an uploaded CSV file and saves the model with its columns, as model.json and as ONNX', async () => {
    const rows = ['a,b,c,y'];
    for (let i = 0; i < 80; i++) {
      const x = [Math.sin(i), Math.cos(3 * i), Math.sin(7 * i + 1)];
      rows.push([...x, Math.max(0, x[0]! + x[1]!)].join(','));
    }
    const { page, problems } = await open('task=demo');
    await page.getByTestId('csv-file').setInputFiles({
      name: 'mine.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${rows.join('\n')}\n`),
    });
    // the file is read asynchronously: wait for the page that the CSV task loaded, not the demo's
    await waitForText(page, 'command', (s) => s.includes('--data mine.csv'));
    await waitForText(page, 'status', (s) => s === 'ready');
    assert.equal(await page.locator('#target').inputValue(), 'y');
    assert.equal(await value(page, 'command'), 'npx neuron-pursuit train --data mine.csv --target y --seed 0');
    await page.getByTestId('run').click();
    await waitForText(page, 'status', (s) => s.startsWith('stopped'));
    const model = JSON.parse(await download(page, 'download-model'));
    assert.deepEqual([model.features, model.targets], [['a', 'b', 'c'], ['y']]);
    // the ONNX file is what `neuron-pursuit export` writes from that model.json
    const onnx = await downloadFile(page, 'download-onnx');
    assert.equal(onnx.name, 'model.onnx');
    const { network, features, targets } = modelFromJson(model);
    assert.ok(onnx.bytes.equals(networkToOnnx(network, { features, targets })), "the ONNX bytes are the export's");
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('works by keyboard and at a phone width', async () => {
    const { page, problems } = await open('task=ridges-2d', { width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    assert.equal(overflow, 0, 'nothing wider than the phone');
    const focused: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      focused.push((await page.evaluate('document.activeElement.id')) as string);
    }
    // the buttons that can act (not Pause, nor the downloads, before a fit), then the settings
    assert.deepEqual(focused, ['run', 'step', 'reset', 'task', 'csv-file']);
    await page.locator('#run').focus();
    await page.keyboard.press('Enter');
    await waitForText(page, 'status', (s) => s.startsWith('stopped'));
    await page.screenshot({ path: join(SHOTS, 'phone-page.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
    writeFileSync(join(SHOTS, 'README.txt'), 'Screenshots of the playground from test/playground.test.ts.\n');
  });
});
