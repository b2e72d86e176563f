#!/usr/bin/env node
/**
 * What each change bought: this library's side of the benchmark at several
 * git revisions, measured in one run with one harness.
 *
 *   node bench/revisions.mjs REV [REV …]      (e.g. HEAD~3 HEAD; BENCH_SKIP_FIT=1: per-step cases only)
 *
 * Each revision is checked out into a temporary worktree, given the current
 * bench/engine-np.ts (so old and new code are timed the same way), and built;
 * the revisions then take turns on every case for 3 rounds and the medians
 * are printed and written to bench/results/revisions-DATE.json. Needs
 * `npm ci` done here (the worktrees share node_modules) and
 * `npm run build` (for the data writer).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const revs = process.argv.slice(2);
if (revs.length === 0) {
  console.error('usage: node bench/revisions.mjs REV [REV …]');
  process.exit(2);
}
const { GD_CASES, PGA_CASE, BENCH_LR, PGA_LR, writeBenchData } = await import(join(root, 'dist/bench/cases.js'));
const specs = {};
for (const c of GD_CASES) specs[c.name] = { widths: c.widths, n: c.n, lr: BENCH_LR, activation: c.activation };
specs[PGA_CASE.name] = { ...PGA_CASE, lr: PGA_LR };
// BENCH_SKIP_FIT=1 times the per-step cases only, as in run.mjs.
const cases = [...Object.keys(specs), ...(process.env.BENCH_SKIP_FIT ? [] : ['np-fit'])];
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

const work = mkdtempSync(join(os.tmpdir(), 'np-revisions-'));
const trees = [];
try {
  writeBenchData(join(work, 'data'));
  for (const rev of revs) {
    const commit = git('rev-parse', '--short', rev),
      dir = join(work, commit);
    process.stderr.write(`building ${rev} (${commit}) …\n`);
    git('worktree', 'add', '--detach', '--quiet', dir, commit);
    trees.push(dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    copyFileSync(join(root, 'bench/engine-np.ts'), join(dir, 'bench/engine-np.ts'));
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const times = {};
  for (let round = 0; round < 3; round++) {
    for (const c of cases) {
      for (const [k, rev] of revs.entries()) {
        const r = spawnSync('node', [join(trees[k], 'dist/bench/engine-np.js'), c, join(work, 'data'), '0.6'], {
          encoding: 'utf8',
          cwd: trees[k],
          env: { ...process.env, BENCH_CASES: JSON.stringify(specs) },
        });
        if (r.status !== 0) throw new Error(`${rev} on ${c}: ${r.stderr.trim().split('\n').at(-1)}`);
        times[rev] ??= {};
        times[rev][c] ??= [];
        times[rev][c].push(JSON.parse(r.stdout).secondsPerStep);
      }
      process.stderr.write(`round ${round + 1}/3: ${c}\n`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (t) =>
    t >= 1 ? `${t.toFixed(2)} s` : t >= 1e-3 ? `${(t * 1e3).toFixed(2)} ms` : `${(t * 1e6).toFixed(0)} µs`;
  const result = {
    date: new Date().toISOString(),
    loadavg: os.loadavg(),
    revisions: revs.map((rev) => ({
      rev,
      commit: git('rev-parse', rev),
      subject: git('log', '-1', '--format=%s', rev),
      medianSeconds: Object.fromEntries(cases.map((c) => [c, median(times[rev][c])])),
    })),
  };
  console.log(['revision', ...cases].join(' | '));
  for (const r of result.revisions) console.log([r.rev, ...cases.map((c) => fmt(r.medianSeconds[c]))].join(' | '));
  const dir = join(root, 'bench/results'),
    name = `revisions-${result.date.slice(0, 16).replace(':', '-')}.json`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `.${name}.tmp`), `${JSON.stringify(result, null, 2)}\n`);
  renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  console.log(`wrote bench/results/${name}`);
} finally {
  for (const dir of trees) spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
  rmSync(work, { recursive: true, force: true });
}
