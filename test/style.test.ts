/** House rules no formatter or compiler enforces: lines of at most 120 columns, no `as never` escape hatch. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // the repository (this file runs from dist/test)
const CODE = /\.(ts|mjs|js|py|sh|json|jsonc|yaml|c|h|gyp)$/;
/** Generated or recorded data, not code. */
const SKIP = [
  'bench/results',
  'test/fixtures',
  'src/linalg/kernels-wasm.generated.ts',
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
  for (const dir of ['src', 'test', 'bench', 'scripts', 'assembly', 'native', 'presets', 'python']) walk(dir);
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
});
