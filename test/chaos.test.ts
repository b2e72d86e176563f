/**
 * The short chaos run (bench/chaos.ts --short): every fault kind at least once, on both stores, and at the end
 * every grid point stored exactly once and bit for bit as one process stores it into SQLite. `npm run chaos`
 * is the long one (docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { serverControl } from './postgres.js';

const CHAOS = fileURLToPath(new URL('../bench/chaos.js', import.meta.url));

interface Report {
  stores: { store: string; points: number; faults: Record<string, number>; problems: string[] }[];
}

describe('the chaos run, short', () => {
  it('workers and sweeps killed, paused and stopped, the server restarted, connections dropped: nothing lost', {
    skip: serverControl ? false : 'NP_TEST_PG_CONTROL is not set: the server is not ours to restart',
    timeout: 15 * 60_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'np-chaos-'));
    const run = spawn(process.execPath, [CHAOS, '--short', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout.on('data', (d) => {
      output += d;
    });
    run.stderr.on('data', (d) => {
      output += d;
    });
    const code = await new Promise((resolve) => run.on('close', resolve));
    assert.equal(code, 0, output.split('\n').slice(-40).join('\n'));
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const kinds = {
      postgresql: ['kill', 'sigterm', 'pause', 'restart', 'terminate', 'reset', 'stall', 'silence'],
      sqlite: ['kill', 'pause', 'read'],
    };
    assert.deepEqual(
      report.stores.map((s) => s.store),
      ['postgresql', 'sqlite'],
    );
    for (const s of report.stores) {
      assert.deepEqual(s.problems, [], s.store);
      assert.ok(s.points >= 24, `${s.store}: ${s.points} points`);
      for (const kind of kinds[s.store as keyof typeof kinds])
        assert.ok((s.faults[kind] ?? 0) >= 1, `${s.store}: ${kind} injected (${JSON.stringify(s.faults)})`);
    }
    rmSync(out, { recursive: true, force: true });
  });
});
