import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// Dependencies point one way. The algorithm must run in a browser: its modules, and every module they
// import in turn, may import only the core and the browser-safe formats of
// src/io, and browser-safe packages — never Node built-ins or the CLI,
// experiments (sweep runner and its worker pool), store or report layers.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CORE = ['linalg', 'model', 'ncf', 'optim', 'pursuit', 'tasks', 'baselines', 'estimators', 'lab', 'export'];
/** The saved formats: schemas, writers and readers of values; no file access (run-folder.ts, run-store.ts have it). */
const BROWSER_SAFE_IO = [
  'io/model-format.js',
  'io/run-format.js',
  'io/run-record.js',
  'io/csv.js',
  'io/checkpoint-format.js',
];
/** Outside the core, but pure too: one sweep point's run, and the reporting rules. */
const PURE = ['experiments/run-point.js', 'experiments/summary.js'];
/**
 * Browser-safe packages: plain ES modules. csv-parse's browser build is one self-contained module (its Buffer
 * polyfill bundled); protobuf-es writes the ONNX export's messages.
 */
const ALLOWED_PACKAGES = new Set([
  'zod',
  'ml-matrix',
  'csv-parse/browser/esm/sync',
  '@bufbuild/protobuf',
  '@bufbuild/protobuf/codegenv2',
]);

/** The TypeScript sources (type-only imports are dependencies too, and the compiler erases them). */
const SOURCES = fileURLToPath(new URL('../../src/', import.meta.url));

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

  it('keeps the model free of file formats: src/model imports nothing from src/export or src/io', () => {
    const graph = sourceGraph();
    const model = [...graph.keys()].filter((f) => f.startsWith('model/'));
    assert.ok(model.includes('model/network.ts'), 'src/model/network.ts is where it was');
    for (const file of model) {
      for (const target of graph.get(file)!) {
        assert.ok(!/^(export|io)\//.test(target), `${file} imports ${target}: the model knows no file format`);
      }
    }
  });

  it('has no import cycle in src/ (type-only imports count)', () => {
    const graph = sourceGraph();
    assert.ok(graph.size > 50, `only ${graph.size} modules found`);
    assert.deepEqual(importCycles(graph), []);
    // The check sees a cycle where there is one: the store's interface importing its factory back.
    const knotted = new Map(graph);
    knotted.set('io/run-store.ts', [...graph.get('io/run-store.ts')!, 'io/open-store.ts']);
    assert.deepEqual(importCycles(knotted), [
      ['io/open-store.ts', 'io/postgres-store.ts', 'io/run-store.ts', 'io/sql-run-store.ts', 'io/sqlite-store.ts'],
    ]);
  });
});

/** Every module of src/ (path relative to it, .ts) → the modules of src/ it imports, type-only imports included. */
function sourceGraph(): Map<string, string[]> {
  const files = readdirSync(SOURCES, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const code = readFileSync(join(SOURCES, file), 'utf8');
    const specs = [...code.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"](\.[^'"]+)['"]/gm)].map(
      (m) => m[1]!,
    );
    const targets = specs.map((spec) => posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
    for (const target of targets) assert.ok(existsSync(join(SOURCES, target)), `${file} imports ${target}: not found`);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components of more than one module (or a module importing itself), each sorted. */
function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
