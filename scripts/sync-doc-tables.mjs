// Copy generated tables into the user guide, so that no measured table there is typed by hand:
// each block between `<!-- table: FILE#HEADING -->` and `<!-- /table -->` in docs/*.md becomes the first table
// under the heading HEADING of the generated file FILE (a path from the repository root).
// `node scripts/sync-doc-tables.mjs && npm run format` rewrites the pages (the formatter pads the tables); `--check`
// only says which block differs (exit 1).
// test/docs.test.ts runs the check.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BLOCK = /(<!-- table: ([^#\s]+)#(.+?) -->\n)([\s\S]*?)(<!-- \/table -->)/g;

/** The first Markdown table after the heading `heading` of `file`. */
export function tableUnder(file, heading) {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const at = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (at < 0) throw new Error(`${file}: no heading "${heading}"`);
  const start = lines.findIndex((l, i) => i > at && l.startsWith('|'));
  if (start < 0) throw new Error(`${file}: no table under "${heading}"`);
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return lines.slice(start, end).join('\n');
}

/** A table's cells without the padding a Markdown formatter adds (`npm run format` pads the copies). */
const normalized = (table) =>
  table
    .trim()
    .split('\n')
    .map((row) =>
      row
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '-'))
        .join('|'),
    )
    .join('\n');

/** Each page's text with its blocks filled in, and the blocks that differed. */
export function synced() {
  const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
  return pages.map((name) => {
    const page = `docs/${name}`;
    const text = readFileSync(join(ROOT, page), 'utf8');
    const stale = [];
    const next = text.replace(BLOCK, (_all, open, file, heading, body, close) => {
      const table = `${tableUnder(file, heading)}\n`;
      if (normalized(body) === normalized(table)) return `${open}${body}${close}`; // padded by the formatter
      stale.push(`${page}: the table from ${file}#${heading}`);
      return `${open}${table}${close}`;
    });
    return { page, text, next, stale };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const p of synced()) {
    for (const s of p.stale) console.log(`${check ? 'out of date' : 'updated'}: ${s}`);
    stale += p.stale.length;
    if (!check && p.next !== p.text) {
      const tmp = join(ROOT, `${p.page}.tmp-${process.pid}`);
      writeFileSync(tmp, p.next);
      renameSync(tmp, join(ROOT, p.page));
    }
  }
  if (check && stale > 0) process.exit(1);
}
