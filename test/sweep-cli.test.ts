/** The built CLI's sweep, runs, merge and report commands, end to end. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, runCli, TINY_GRID } from './helpers.js';
import Database from 'better-sqlite3';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';

const run = runCli;

const TINY = TINY_GRID;

function workspace(grid = TINY): string {
  const dir = mkdtempSync(join(tmpdir(), 'np-sweep-'));
  writeFileSync(join(dir, 'grid.yaml'), grid);
  return dir;
}

interface Row {
  key: string;
  status: string;
  test_error: number | null;
  config: string;
}

/** Every stored row as (key, status, test error), sorted, from a fresh connection. */
function storedRows(path: string): Row[] {
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    return db.prepare('SELECT key, status, test_error, config FROM runs ORDER BY key').all() as Row[];
  } finally {
    db.close();
  }
}

const gridKeys = (text: string) => expandGrid(parseSweepConfig(text, 'grid.yaml')).map(pointKey).sort();

describe('sweep', () => {
  it('runs every grid point once into the store, then skips them all on a re-run', () => {
    const dir = workspace();
    const first = run(['sweep', 'grid.yaml', '--store', 's.sqlite', '--workers', '2'], dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /18 grid points, 0 already stored, 18 run \(0 failed\)/);
    const rows = storedRows(join(dir, 's.sqlite'));
    assert.deepEqual(
      rows.map((r) => r.key),
      gridKeys(TINY),
    );
    assert.ok(rows.every((r) => r.status === 'ok' && r.test_error !== null && Number.isFinite(r.test_error)));
    const again = run(['sweep', 'grid.yaml', '--store', 's.sqlite'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /18 already stored, 0 run/);

    const list = run(['runs', '--store', 's.sqlite', '--json'], dir);
    const listed = JSON.parse(list.stdout) as {
      task: string;
      status: string;
      iterations: number;
      seconds: number;
      testError: number;
    }[];
    assert.equal(listed.length, 18);
    assert.ok(listed.every((r) => r.status === 'ok' && r.iterations >= 1 && r.seconds >= 0));
    assert.match(run(['runs', 's.sqlite'], dir).stdout, /18 run\(s\)/);

    // The report of the store: SVG, PNG and one HTML page.
    const report = run(['report', 's.sqlite', '--out', 'rep'], dir);
    assert.equal(report.code, 0, report.stderr);
    const files = readdirSync(join(dir, 'rep'));
    assert.ok(
      files.includes('index.html') &&
        files.includes('sample-complexity-demo.svg') &&
        files.includes('sample-complexity-demo.png'),
      files.join(','),
    );
    for (const f of files.filter((n) => n.endsWith('.svg'))) {
      const svg = readFileSync(join(dir, 'rep', f), 'utf8');
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\s*$/);
    }
    for (const f of files.filter((n) => n.endsWith('.png'))) {
      const png = readFileSync(join(dir, 'rep', f));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f} is a PNG`);
      assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, `${f} has a real size`);
    }
    const html = readFileSync(join(dir, 'rep', 'index.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(!/<script|src="http/.test(html), 'self-contained, no scripts');
    assert.match(html, /<tr><td>demo<\/td><td>30<\/td><td>2<\/td>/, 'headline table row');
  });

  it('survives SIGKILL: the restarted sweep ends with every grid point exactly once', async () => {
    const grid = TINY.replace('seeds: 2', 'seeds: 4');
    const dir = workspace(grid);
    const store = join(dir, 's.sqlite');
    const child = spawn(process.execPath, [CLI, 'sweep', 'grid.yaml', '--store', store, '--workers', '2', '--quiet'], {
      cwd: dir,
      stdio: 'ignore',
    });
    let running = true;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => {
        running = false;
        resolve(signal);
      }),
    );
    // Kill it once the first row is in (and the sweep is still going), or fail after a minute.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      if (!running) assert.fail('the sweep ended before its first row was stored');
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        assert.fail('no run was stored within 60 s');
      }
      if (existsSync(store)) {
        const db = new Database(store, { readonly: true, fileMustExist: true });
        let n = 0;
        try {
          n = (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'runs'").get() as { n: number }).n
            ? (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n
            : 0;
        } finally {
          db.close();
        }
        if (n >= 1) break;
      }
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the sweep was killed mid-run, not finished');
    const partial = storedRows(store);
    assert.ok(partial.length < gridKeys(grid).length, 'killed before the end');
    const restart = run(['sweep', 'grid.yaml', '--store', store, '--workers', '2', '--quiet'], dir);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, new RegExp(`${partial.length} already stored`));
    const rows = storedRows(store);
    assert.deepEqual(
      rows.map((r) => r.key),
      gridKeys(grid),
      'every grid point exactly once',
    );
    assert.ok(rows.every((r) => r.status === 'ok'));
  });

  it('three sweeps on one new SQLite file at once: each point run once, no row lost, never locked', async () => {
    const grid = TINY.replace('seeds: 2', 'seeds: 4');
    const dir = workspace(grid);
    // Started together, they race to create the file too; one thread each, so they take points in turn.
    const sweeps = [1, 2, 3].map(
      () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'sweep', 'grid.yaml', '--store', 's.sqlite', '--workers', '1'], {
            cwd: dir,
          });
          let [stdout, stderr] = ['', ''];
          child.stdout.on('data', (d) => {
            stdout += d;
          });
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        }),
    );
    const ends = await Promise.all(sweeps);
    for (const end of ends) {
      assert.equal(end.code, 0, end.stderr);
      assert.doesNotMatch(end.stderr, /locked|busy/i);
    }
    const total = gridKeys(grid).length;
    const ran = ends.map((e) => Number(/, (\d+) run \(0 failed\)/.exec(e.stdout)?.[1]));
    assert.equal(
      ran.reduce((a, b) => a + b, 0),
      total,
      `each point run by one sweep (${ran.join(' + ')})`,
    );
    // Each sweep accounts for the whole grid: what it ran, and what the others ran meanwhile.
    for (const [i, end] of ends.entries()) {
      const elsewhere = Number(/(\d+) run by another sweep meanwhile/.exec(end.stdout)?.[1] ?? 0);
      assert.equal(ran[i]! + elsewhere, total, end.stdout);
    }
    const rows = storedRows(join(dir, 's.sqlite'));
    assert.deepEqual(
      rows.map((r) => r.key),
      gridKeys(grid),
      'every grid point exactly once',
    );
    assert.ok(rows.every((r) => r.status === 'ok'));
  });

  it('shards split the grid and merge back into the unsharded store', () => {
    const dir = workspace();
    assert.equal(run(['sweep', 'grid.yaml', '--store', 'all.sqlite', '--quiet'], dir).code, 0);
    for (const i of [1, 2, 3]) {
      const r = run(['sweep', 'grid.yaml', '--store', `part${i}.sqlite`, '--shard', `${i}/3`, '--quiet'], dir);
      assert.equal(r.code, 0, r.stderr);
    }
    const sizes = [1, 2, 3].map((i) => storedRows(join(dir, `part${i}.sqlite`)).length);
    assert.deepEqual(sizes, [6, 6, 6]);
    const merged = run(['merge', 'part1.sqlite', 'part2.sqlite', 'part3.sqlite', '--store', 'merged.sqlite'], dir);
    assert.equal(merged.code, 0, merged.stderr);
    const strip = (rows: ReturnType<typeof storedRows>) =>
      rows.map(({ key, status, test_error, config }) => ({ key, status, test_error, config }));
    // Same keys, configurations and results (runs are deterministic given the seed).
    assert.deepEqual(strip(storedRows(join(dir, 'merged.sqlite'))), strip(storedRows(join(dir, 'all.sqlite'))));
    // Merging again adds nothing.
    assert.match(run(['merge', 'part1.sqlite', '--store', 'merged.sqlite'], dir).stdout, /0 new run\(s\), 18 in all/);
  });

  it('rejects a bad sweep file with one line naming the field, and writes no store', () => {
    const dir = workspace(TINY.replace('seeds: 2', 'seeds: -2'));
    const r = run(['sweep', 'grid.yaml', '--store', 's.sqlite'], dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^neuron-pursuit: error: grid\.yaml: field 'seeds'/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 's.sqlite')));
    const missing = run(['sweep', 'no-such-preset'], dir);
    // every file of presets/ by name, in order (a new preset must not break this test)
    const presets = readdirSync(new URL('../../presets/', import.meta.url))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    assert.ok(presets.includes('paper-full') && presets.includes('paper-quick'));
    assert.ok(
      missing.stderr.includes(`no such file, and no preset of that name (presets: ${presets.join(', ')})`),
      missing.stderr,
    );
    assert.match(run(['sweep', 'grid.yaml', '--shard', '3/2'], workspace()).stderr, /--shard/);
  });

  it('records a failed run with its error and goes on', () => {
    // A GD network of 10⁶ neurons per layer cannot be allocated: that grid point fails, the rest run.
    const grid = TINY.replace(
      '{name: hypersphere-f1, samples: [40]}',
      '{name: hypersphere-f1, samples: [40], gd: {width: 1000000}}',
    );
    const dir = workspace(grid);
    const r = run(['sweep', 'grid.yaml', '--store', 's.sqlite'], dir);
    assert.equal(r.code, 1, 'a sweep with failures exits non-zero');
    assert.match(r.stdout, /18 run \(4 failed\)/);
    const rows = storedRows(join(dir, 's.sqlite'));
    assert.deepEqual(
      rows.map((x) => x.key),
      gridKeys(grid),
      'every point is recorded once',
    );
    const failed = JSON.parse(run(['runs', '--store', 's.sqlite', '--json'], dir).stdout) as {
      status: string;
      error: string;
      algorithm: string;
      task: string;
    }[];
    const bad = failed.filter((x) => x.status === 'failed');
    assert.equal(bad.length, 4);
    assert.ok(
      bad.every((x) => x.algorithm === 'gd' && x.task === 'hypersphere-f1' && /length|alloc|memory/i.test(x.error)),
      JSON.stringify(bad[0]),
    );
    // A re-run tries the failed points again (and they fail again), the finished ones are skipped.
    assert.match(
      run(['sweep', 'grid.yaml', '--store', 's.sqlite'], dir).stdout,
      /14 already stored, 4 run \(4 failed\)/,
    );
    assert.equal(storedRows(join(dir, 's.sqlite')).length, 18);
  });

  it('the train command writes a report for one run, with both algorithms', () => {
    const dir = workspace();
    for (const algorithm of ['np', 'gd']) {
      const extra =
        algorithm === 'np'
          ? ['--max-iterations', '2', '--restarts', '3', '--pga-steps', '100', '--gd-steps', '500']
          : ['--lrs', '0.1,0.3', '--gd-steps', '500', '--width', '8', '--radius', '0.3'];
      const r = run(
        [
          'train',
          '--task',
          'demo',
          '--samples',
          '40',
          '--test-samples',
          '40',
          '--algorithm',
          algorithm,
          '--out',
          algorithm,
          '--quiet',
          ...extra,
        ],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const files = readdirSync(join(dir, algorithm));
      for (const f of ['report.html', 'loss.svg', 'loss.png', 'summary.json', 'model.json', 'history.json'])
        assert.ok(files.includes(f), `${algorithm}: ${f} in ${files.join(',')}`);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'gd', 'summary.json'), 'utf8')) as {
      attempts: { lr: number; testError: number }[];
      lr: number;
      testError: number;
    };
    assert.equal(summary.attempts.length, 2);
    assert.equal(summary.testError, Math.min(...summary.attempts.map((a) => a.testError)));
  });
});
