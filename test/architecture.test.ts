import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The algorithm must run in a browser: its modules may import each other and
// browser-safe packages, never Node built-ins or the CLI, I/O, store or report layers.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CORE = ['linalg', 'model', 'ncf', 'optim', 'pursuit', 'tasks', 'baselines', 'estimators', 'lab'];
const ALLOWED_PACKAGES = new Set(['zod', 'ml-matrix']);

describe('architecture', () => {
  it('keeps the algorithm core free of Node, CLI, I/O, store and report imports', () => {
    let checked = 0;
    for (const dir of CORE) {
      let files: string[];
      try {
        files = readdirSync(join(SRC, dir)).filter((f) => f.endsWith('.js'));
      } catch {
        continue; // a layer that does not exist yet
      }
      for (const file of files) {
        const code = readFileSync(join(SRC, dir, file), 'utf8');
        for (const [, spec] of code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
          checked++;
          if (spec.startsWith('.')) {
            const top = spec.replace(/^(\.\.\/)+/, '').split('/')[0];
            assert.ok(spec.startsWith('./') || CORE.includes(top), `${dir}/${file} imports ${spec}`);
          } else {
            assert.ok(ALLOWED_PACKAGES.has(spec), `${dir}/${file} imports the package ${spec}`);
          }
        }
      }
    }
    assert.ok(checked > 10, `only ${checked} imports found: is the pattern still right?`);
  });
});
