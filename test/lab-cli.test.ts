import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './helpers.js';

const run = runCli;
const tmp = () => mkdtempSync(join(tmpdir(), 'np-lab-'));

describe('theory-lab commands', () => {
  it('saddle writes figures, a page and a verdict; --json prints the verdict alone', () => {
    const dir = tmp();
    const r = run(
      ['saddle', '--activation', 'relu', '--steps', '3000', '--points', '120', '--out', 'lab', '--json'],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const verdict = JSON.parse(r.stdout);
    for (const key of ['alignmentBeforeEscape', 'escapeStep', 'activeNeurons', 'sparsityKept'])
      assert.ok(key in verdict, key);
    const files = readdirSync(join(dir, 'lab')).sort();
    for (const f of [
      'alignment.png',
      'alignment.svg',
      'loss-distances.png',
      'loss-distances.svg',
      'saddle.html',
      'trace.json',
      'verdict.json',
      'wz-heatmaps.png',
      'wz-heatmaps.svg',
    ]) {
      assert.ok(files.includes(f), f);
    }
    const png = readFileSync(join(dir, 'lab/alignment.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.match(readFileSync(join(dir, 'lab/alignment.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>$/);
    const html = readFileSync(join(dir, 'lab/saddle.html'), 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length >= 3, true);
  });

  it('saddle rejects a bad activation and writes nothing', () => {
    const dir = tmp();
    const r = run(['saddle', '--activation', 'tanh', '--out', 'lab'], dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown activation 'tanh'/);
    assert.equal(existsSync(join(dir, 'lab')), false);
  });

  it('diagonal --json gives NP = OMP and a different min-ℓ1 solution on its default instance', () => {
    const r = run(['diagonal', '--json'], tmp());
    assert.equal(r.code, 0, r.stderr);
    const { np, omp, gd } = JSON.parse(r.stdout);
    assert.deepEqual(np.support, omp.support);
    for (const [j, c] of (np.coefficients as number[]).entries()) assert.ok(Math.abs(c - omp.coefficients[j]) < 1e-6);
    assert.ok(gd.l1 < omp.l1);
    assert.equal(np.coefficients.length, 20);
  });

  it('diagonal runs on a user dictionary from CSV', () => {
    const dir = tmp();
    const rows = ['a,b,c,y'];
    for (let i = 0; i < 6; i++) {
      const x = [Math.sin(i + 1), Math.cos(2 * i), Math.sin(3 * i + 2)];
      rows.push([...x, 2 * x[0]! - x[2]!].join(','));
    }
    writeFileSync(join(dir, 'dict.csv'), rows.join('\n'));
    const r = run(['diagonal', '--data', 'dict.csv', '--target', 'y', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const { omp, np } = JSON.parse(r.stdout);
    assert.deepEqual([...omp.support].sort(), [0, 2]);
    assert.deepEqual(np.support, omp.support);
    assert.ok(Math.abs(omp.coefficients[0] - 2) < 1e-9 && Math.abs(omp.coefficients[2] + 1) < 1e-9);
  });

  it('inspect prints the KKT diagnostics of a run and rejects a folder without a history', () => {
    const dir = tmp();
    const t = run(
      [
        'train',
        '--task',
        'demo',
        '--samples',
        '200',
        '--test-samples',
        '0',
        '--restarts',
        '5',
        '--pga-steps',
        '300',
        '--gd-steps',
        '2000',
        '--out',
        'run',
        '--quiet',
      ],
      dir,
    );
    assert.equal(t.code, 0, t.stderr);
    const r = run(['inspect', 'run', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assert.ok(rows.length >= 1);
    for (const row of rows) {
      assert.ok(row.kktResidual >= 0 && row.restartsAtBest >= 1 && row.restartsAtBest <= 5);
      assert.ok(row.restartValues.min <= row.restartValues.median && row.restartValues.median <= row.restartValues.max);
      assert.ok(Math.abs(row.restartValues.max - row.ncfValue) <= 1e-12 * Math.abs(row.ncfValue) || row.iteration > 1);
      assert.equal(row.balancedness.length, 2);
    }
    const text = run(['inspect', 'run'], dir);
    assert.match(text.stdout, /KKT res/);
    const bad = run(['inspect', 'nowhere'], dir);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /nowhere\/history\.json: no such file/);
  });
});
