/**
 * House rules no formatter or compiler enforces: lines of at most 120 columns, no `as never` escape hatch, and the
 * project stands on its own: it cites its own docs/algorithm.md, by sections that exist, never a file outside it.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)
const CODE = /\.(ts|mjs|js|py|sh|json|jsonc|yaml|html|css|c|h|gyp)$/;
/** Generated or recorded data, not code. */
const SKIP = [
  'bench/results',
  'test/fixtures',
  'src/linalg/kernels-wasm.generated.ts',
  'playground/dist',
  'playground/screenshots',
  'src/export/onnx-proto.generated.ts',
];

/** Every code file of the repository's source folders and its root configuration, as a path relative to the root. */
function codeFiles(): string[] {
  const files = ['package.json', 'tsconfig.json', 'biome.jsonc', 'binding.gyp', '.ci/run'];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = `${dir}/${name}`;
      if (SKIP.includes(path)) continue;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (CODE.test(name)) files.push(path);
    }
  };
  for (const dir of ['src', 'test', 'bench', 'scripts', 'assembly', 'native', 'presets', 'playground', 'python'])
    walk(dir);
  return files;
}

describe('style', () => {
  const files = codeFiles();

  it('keeps every line of code within 120 columns', () => {
    assert.ok(files.length > 50, `only ${files.length} files found`);
    const long = files.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => ([...line].length > 120 ? [`${file}:${i + 1} (${[...line].length})`] : [])),
    );
    assert.deepEqual(long, []);
  });

  it('never silences the type checker with `as never`', () => {
    const cast = /\sas never[);,\s]/; // a cast in code, not the words in backquotes
    const found = files.filter((file) => file.endsWith('.ts') && cast.test(readFileSync(join(ROOT, file), 'utf8')));
    assert.deepEqual(found, []);
  });

  it('cites docs/algorithm.md by sections that exist, and nothing outside the repository', () => {
    const doc = readFileSync(join(ROOT, 'docs/algorithm.md'), 'utf8');
    const sections = new Set([...doc.matchAll(/^## (§\d+)/gm)].map((m) => m[1]));
    assert.ok(sections.size >= 12, `${sections.size} sections`);
    const cited: string[] = [];
    const wrong: string[] = [];
    const docs = readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    for (const file of [...files, 'README.md', ...docs]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // (this file names what it looks for)
      if (file !== 'test/style.test.ts' && /\.\.\/shared|\bspec §/.test(text)) wrong.push(`${file}: cites a spec`);
      for (const m of text.matchAll(/docs\/algorithm\.md §(\d+)((?:, §?\d+)*)/g)) {
        const numbers = [m[1]!, ...(m[2] ?? '').split(',').map((n) => n.replace(/[^\d]/g, ''))].filter(Boolean);
        for (const n of numbers) {
          cited.push(`§${n}`);
          if (!sections.has(`§${n}`)) wrong.push(`${file}: docs/algorithm.md §${n} does not exist`);
        }
      }
    }
    assert.ok(cited.length > 20, `only ${cited.length} citations found`);
    assert.deepEqual(wrong, []);
  });
});
