#!/usr/bin/env node
// Full-page screenshots of HTML pages (report.html, saddle.html) in Debian's headless Chromium, for checking by eye:
//   node scripts/screenshot.mjs PAGE.html OUT.png [PAGE.html OUT.png …]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  process.stderr.write('usage: node scripts/screenshot.mjs PAGE.html OUT.png [PAGE.html OUT.png …]\n');
  process.exit(2);
}
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p && existsSync(p),
);
if (!executablePath) {
  process.stderr.write('screenshot: no Chromium found: run scripts/install-chromium.sh or set CHROMIUM_PATH\n');
  process.exit(1);
}
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  for (let i = 0; i < args.length; i += 2) {
    await page.goto(pathToFileURL(resolve(args[i])).href, { waitUntil: 'load' });
    await page.screenshot({ path: args[i + 1], fullPage: true });
    process.stdout.write(`${args[i + 1]}\n`);
  }
} finally {
  await browser.close();
}
