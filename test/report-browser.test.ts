/** The report page opens in headless Chromium (Debian's package) with no console errors. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runCli } from './helpers.js';
import { launchChromium } from './browser.js';

describe('report page in a browser', () => {
  it('opens with no console errors and shows every figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-browser-'));
    const r = runCli(
      [
        'train',
        '--task',
        'demo',
        '--samples',
        '60',
        '--test-samples',
        '60',
        '--max-iterations',
        '2',
        '--restarts',
        '3',
        '--pga-steps',
        '100',
        '--gd-steps',
        '500',
        '--quiet',
        '--out',
        'run',
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
      await page.goto(pathToFileURL(join(dir, 'run', 'report.html')).href, { waitUntil: 'load' });
      const figures = await page.locator('figure svg').count();
      assert.ok(figures >= 4, `${figures} figures`);
      const box = await page.locator('figure svg').first().boundingBox();
      assert.ok(box && box.width > 100 && box.height > 50, 'figures are drawn at a visible size');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
