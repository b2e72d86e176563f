import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The algorithm must run in a browser: its modules, and every module they
// import in turn, may import only the core and the browser-safe formats of
// src/io, and browser-safe packages — never Node built-ins or the CLI,
// experiments (sweep runner and its worker pool), store or report layers.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CORE = ['linalg', 'model', 'ncf', 'optim', 'pursuit', 'tasks', 'baselines', 'estimators', 'lab', 'export'];
/** The saved formats: schemas, writers and readers of values; no file access (run-folder.ts, run-store.ts have it). */
const BROWSER_SAFE_IO = ['io/model-format.js', 'io/run-format.js', 'io/run-record.js', 'io/csv.js'];
/** Outside the core, but pure too: one sweep point's run, and the reporting rules. */
const PURE = ['experiments/run-point.js', 'experiments/summary.js'];
/** Browser-safe packages: plain ES modules (protobuf-es writes the ONNX export's messages). */
const ALLOWED_PACKAGES = new Set(['zod', 'ml-matrix', '@bufbuild/protobuf', '@bufbuild/protobuf/codegenv2']);

/** The import specifiers of a compiled module. */
function importsOf(file: string): string[] {
  const code = readFileSync(join(SRC, file), 'utf8');
  return [...code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('architecture', () => {
  it('keeps the algorithm core, and all it imports, free of Node, CLI, experiments, store and report imports', () => {
    const roots = [
      ...CORE.flatMap((dir) =>
        readdirSync(join(SRC, dir))
          .filter((f) => f.endsWith('.js'))
          .map((f) => `${dir}/${f}`),
      ),
      ...BROWSER_SAFE_IO,
      ...PURE,
    ];
    const seen = new Set<string>(roots);
    const queue = [...roots];
    let checked = 0;
    while (queue.length > 0) {
      const file = queue.pop()!;
      for (const spec of importsOf(file)) {
        checked++;
        if (!spec.startsWith('.')) {
          assert.ok(ALLOWED_PACKAGES.has(spec), `${file} imports the package ${spec}`);
          continue;
        }
        const target = relative(SRC, join(SRC, dirname(file), spec))
          .split('\\')
          .join('/');
        const top = target.split('/')[0]!;
        assert.ok(
          CORE.includes(top) || BROWSER_SAFE_IO.includes(target),
          `${file} imports ${target}, which the core may not`,
        );
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    assert.ok(checked > 50, `only ${checked} imports found: is the pattern still right?`);
    assert.ok(seen.has('io/model-format.js'), 'the core saves models through src/io/model-format.ts');
  });
});
