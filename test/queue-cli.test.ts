/**
 * Sweeps into a real PostgreSQL store through the built CLI: workers that join and die, a server that
 * restarts, sweeps that race, runs that fail, listings, and connection problems.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';
import { QUEUE, QUEUE_SCHEMA } from '../src/experiments/work-queue.js';
import { CLI, runCli } from './helpers.js';
import { dropDatabase, freshDatabase, serverControl, sql } from './postgres.js';

// 24 grid points of short runs (a second or less each).
const GRID = `
name: tiny
tasks: [demo, {name: hypersphere-f1, samples: [40]}]
samples: [30, 50]
testSamples: 50
seeds: 2
algorithms: [np, gd]
np: {lrs: [0.1, 0.2], options: {maxIterations: 2, gdSteps: 1000, restarts: 3, pgaSteps: 100}}
gd: {lrs: [0.1, 0.3], maxSteps: 1000, width: 8, radius: 0.3}
`;
const gridKeys = (text: string) => expandGrid(parseSweepConfig(text, 'grid.yaml')).map(pointKey).sort();

const databases: string[] = [];
after(async () => {
  for (const url of databases) await dropDatabase(url);
});

async function database(): Promise<string> {
  const url = await freshDatabase();
  databases.push(url);
  return url;
}

function workspace(grid = GRID): string {
  const dir = mkdtempSync(join(tmpdir(), 'np-queue-'));
  writeFileSync(join(dir, 'grid.yaml'), grid);
  return dir;
}

interface Running {
  child: ChildProcess;
  pid: number;
  /** What it wrote to stderr so far. */
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Start the CLI in the background. */
function start(args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, pid: child.pid!, stderr: () => stderr, exited };
}

/**
 * Wait until `condition` holds (an error, such as a table not made yet, is a no), checking every 100 ms; fail
 * at once, with its stderr, when one of the `running` processes has ended meanwhile.
 */
async function until(what: string, condition: () => Promise<boolean>, running: Running[] = []): Promise<void> {
  const seconds = 240;
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition().catch(() => false))) {
    const ended = running.find((r) => r.child.exitCode !== null || r.child.signalCode !== null);
    if (ended) assert.fail(`pid ${ended.pid} ended while waiting for ${what}: ${ended.stderr()}`);
    if (Date.now() > deadline) assert.fail(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface RunRow {
  key: string;
  status: string;
  config: string;
  result: string | null;
  error: string | null;
}
const rows = (url: string) =>
  sql<RunRow>(url, 'SELECT key, status, config, result, error FROM neuron_pursuit.runs ORDER BY key');
const jobs = (url: string) =>
  sql<{ key: string; state: string; retry_count: number }>(
    url,
    `SELECT data->>'key' AS key, state::text, retry_count FROM ${QUEUE_SCHEMA}.job WHERE name = $1 ORDER BY 1`,
    [QUEUE],
  );

/** A stored result without its wall and CPU times (what the same run on another machine or store must equal). */
function timeless(result: string | null): unknown {
  const times = new Set(['seconds', 'cpuSeconds']);
  return JSON.parse(result ?? 'null', (key, value) => (times.has(key) ? undefined : value));
}

/** The rows of an SQLite store, by key. */
function sqliteRows(path: string): Map<string, { config: string; result: string | null }> {
  const db = new Database(path, { readonly: true });
  try {
    const all = db.prepare('SELECT key, config, result FROM runs').all() as RunRow[];
    return new Map(all.map((r) => [r.key, r]));
  } finally {
    db.close();
  }
}

describe('a PostgreSQL store and its work queue', () => {
  it('3 workers, 2 killed with SIGKILL mid-run, 1 more started: every point once, as SQLite has it', async () => {
    const dir = workspace();
    const reference = runCli(['sweep', 'grid.yaml', '--store', 'ref.sqlite', '--workers', '2', '--quiet'], dir);
    assert.equal(reference.code, 0, reference.stderr);
    const url = await database();
    const queued = runCli(['sweep', 'grid.yaml', '--store', url, '--workers', '0'], dir);
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stdout, /24 grid points, 0 already stored, 24 queued, queued only/);
    assert.ok(!queued.stdout.includes(new URL(url).password), 'the password is masked');

    const worker = () => start(['worker', '--store', url, '--workers', '1', '--lease', '3', '--until-empty'], dir);
    const workers = [worker(), worker(), worker()];
    const victims = workers.slice(0, 2);
    // Kill the two while each holds a run (its claim is in the store) and points are still queued.
    await until(
      'both victims to hold a run',
      async () => {
        const claimed = await sql<{ pid: number }>(url, 'SELECT pid FROM neuron_pursuit.claims');
        return victims.every((v) => claimed.some((c) => c.pid === v.pid));
      },
      workers,
    );
    for (const v of victims) v.child.kill('SIGKILL');
    for (const v of victims) assert.equal((await v.exited).signal, 'SIGKILL');
    assert.ok((await rows(url)).length < 24, 'killed before the end');
    const late = worker();
    for (const w of [workers[2]!, late]) {
      const end = await w.exited;
      assert.equal(end.code, 0, end.stderr);
    }

    const stored = await rows(url);
    assert.deepEqual(
      stored.map((r) => r.key),
      gridKeys(GRID),
      'every grid point exactly once',
    );
    assert.ok(stored.every((r) => r.status === 'ok'));
    const states = await jobs(url);
    assert.ok(
      states.every((j) => j.state === 'completed'),
      JSON.stringify(states),
    );
    assert.ok(
      states.some((j) => j.retry_count > 0),
      'a killed worker’s run came back when its lease expired',
    );
    const sqlite = sqliteRows(join(dir, 'ref.sqlite'));
    for (const row of stored) {
      const same = sqlite.get(row.key);
      assert.equal(row.config, same?.config, 'the same configuration, to the byte');
      assert.deepEqual(
        timeless(row.result),
        timeless(same?.result ?? null),
        `run ${row.key}: history, errors, network`,
      );
    }
  });

  it('two sweeps of one grid at once: each point queued and run once', async () => {
    const dir = workspace();
    const url = await database();
    const sweeps = [1, 2].map(() => start(['sweep', 'grid.yaml', '--store', url, '--workers', '1', '--quiet'], dir));
    const ends = await Promise.all(sweeps.map((s) => s.exited));
    for (const end of ends) assert.equal(end.code, 0, end.stderr);
    const ranHere = ends.map((e) => Number(/(\d+) run here/.exec(e.stdout)?.[1]));
    assert.equal(ranHere[0]! + ranHere[1]!, 24, `runs per sweep: ${ranHere.join(' + ')}`);
    assert.ok(ends.every((e) => /the grid: 24\/24 stored, 0 failed/.test(e.stdout)));
    const states = await jobs(url);
    assert.deepEqual(
      states.map((j) => [j.key, j.state, j.retry_count]),
      gridKeys(GRID).map((k) => [k, 'completed', 0]),
      'one job per point, run once',
    );
    // Results go home to an SQLite file, and the report reads the database.
    const home = runCli(['merge', url, '--store', 'home.sqlite'], dir);
    assert.match(home.stdout, /24 new run\(s\), 24 in all/, home.stderr);
    assert.equal(sqliteRows(join(dir, 'home.sqlite')).size, 24);
    const report = runCli(['report', url, '--out', 'rep'], dir);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(readdirSync(join(dir, 'rep')).includes('index.html'));
  });

  it('PostgreSQL restarted mid-sweep: the workers wait, reconnect and finish; nothing lost or run twice', {
    skip: serverControl ? false : 'NP_TEST_PG_CONTROL is not set: the server is not ours to restart',
  }, async () => {
    // 12 runs of 1 to 3 seconds (a target no run reaches): the worker joins while plenty are left.
    const grid = `
name: restart
tasks: [demo]
samples: [200]
testSamples: 50
seeds: 3
algorithms: [np, gd]
np:
  lrs: [0.1, 0.2]
  options: {maxIterations: 3, gdSteps: 6000, tol: 0, targetError: 1.0e-9, restarts: 3, pgaSteps: 100}
gd: {lrs: [0.1, 0.3], maxSteps: 6000, width: 20, radius: 0.3}
`;
    const dir = workspace(grid);
    const url = await database();
    const sweep = start(['sweep', 'grid.yaml', '--store', url, '--workers', '2', '--quiet'], dir);
    // A worker --until-empty that starts before anything is queued has nothing to wait for: it ends at once.
    await until('the sweep to queue its grid', async () => (await jobs(url)).length === 12, [sweep]);
    const worker = start(['worker', '--store', url, '--workers', '1', '--until-empty', '--quiet'], dir);
    await until('runs stored, and runs in flight in both processes', async () => {
      const claimed = await sql<{ pid: number }>(url, 'SELECT pid FROM neuron_pursuit.claims');
      const pids = [sweep.pid, worker.pid];
      return pids.every((pid) => claimed.some((c) => c.pid === pid)) && (await rows(url)).length >= 2;
    }, [sweep, worker]);
    const control = (what: string) => assert.equal(spawnSync(serverControl!, [what]).status, 0, `server ${what}`);
    control('stop');
    // The runs in flight finish while the database is away: both processes find it gone (however long their runs
    // take on a loaded machine), and the server comes back a moment later.
    await until(
      'both processes to find the database gone',
      async () => [sweep, worker].every((p) => p.stderr().includes('database unreachable')),
      [sweep, worker],
    );
    await new Promise((r) => setTimeout(r, 2000));
    control('start');
    const [sweepEnd, workerEnd] = [await sweep.exited, await worker.exited];
    assert.equal(sweepEnd.code, 0, sweepEnd.stderr);
    assert.equal(workerEnd.code, 0, workerEnd.stderr);
    for (const end of [sweepEnd, workerEnd]) {
      assert.match(end.stderr, /database unreachable/);
      assert.match(end.stderr, /database reachable again/);
    }
    const stored = await rows(url);
    assert.deepEqual(
      stored.map((r) => [r.key, r.status]),
      gridKeys(grid).map((k) => [k, 'ok']),
      'nothing lost',
    );
    const ran =
      Number(/(\d+) run here/.exec(sweepEnd.stdout)?.[1]) + Number(/(\d+) run\(s\) stored/.exec(workerEnd.stdout)?.[1]);
    assert.equal(ran, 12, 'nothing run twice');
    assert.ok((await jobs(url)).every((j) => j.state === 'completed' && j.retry_count === 0));
  });

  it('a run that fails 3 times is stored as failed with its error, and the sweep goes on', async () => {
    // A GD network of 10⁶ neurons per layer cannot be allocated: those 4 points fail on every attempt.
    const grid = GRID.replace(
      '{name: hypersphere-f1, samples: [40]}',
      '{name: hypersphere-f1, samples: [40], gd: {width: 1000000}}',
    );
    const dir = workspace(grid);
    const url = await database();
    const r = runCli(['sweep', 'grid.yaml', '--store', url, '--workers', '2', '--quiet'], dir);
    assert.equal(r.code, 1, 'a sweep with failures exits non-zero');
    assert.match(r.stdout, /the grid: 24\/24 stored, 4 failed/);
    const failed = (await rows(url)).filter((row) => row.status === 'failed');
    assert.equal(failed.length, 4);
    assert.ok(
      failed.every((row) => /length|alloc|memory/i.test(row.error ?? '')),
      failed[0]?.error ?? '',
    );
    const attempts = (await jobs(url)).filter((j) => failed.some((f) => f.key === j.key));
    assert.deepEqual(
      attempts.map((j) => [j.state, j.retry_count]),
      [0, 1, 2, 3].map(() => ['failed', 2]),
      'three attempts each',
    );
    const listing = runCli(['runs', '--store', url], dir);
    assert.match(listing.stdout, /24 run\(s\): 20 finished, 4 failed\n0 running\n0 queued\n$/);
  });

  it('runs lists queued and running points; sweep --watch follows the whole grid to the end', async () => {
    // Two runs of a few seconds each: long enough to list one while it runs.
    const dir = workspace(`
name: slow
tasks: [demo]
samples: [100]
testSamples: 50
seeds: 1
algorithms: [gd]
gd: {lrs: [0.01, 0.02], maxSteps: 10000, width: 30}
`);
    const url = await database();
    assert.equal(runCli(['sweep', 'grid.yaml', '--store', url, '--workers', '0'], dir).code, 0);
    assert.match(
      runCli(['runs', '--store', url], dir).stdout,
      /0 run\(s\): 0 finished, 0 failed\n0 running\n2 queued\n$/,
    );
    const watch = start(['sweep', 'grid.yaml', '--store', url, '--watch'], dir);
    const worker = start(['worker', '--store', url, '--workers', '1', '--until-empty', '--lease', '60'], dir);
    const claimed = async () => (await sql(url, 'SELECT 1 FROM neuron_pursuit.claims')).length > 0;
    await until('a run to be claimed', claimed, [worker]);
    const listing = runCli(['runs', '--store', url], dir).stdout;
    const claim = `demo n=100 seed=0 gd lr=0.0[12]: \\S+ pid ${worker.pid}, since \\S+, lease until \\S+`;
    const running = `1 running:\\n  ${claim}\\n`;
    assert.match(listing, new RegExp(`0 failed\\n${running}[01] queued\\n$`));
    assert.equal((await worker.exited).code, 0);
    const watched = await watch.exited;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /sweep slow: 2\/2 stored, 0 failed/);
    assert.match(watched.stderr, /\[2\/2\] 0 running, 0 failed/);
  });

  it('a bad URL, a wrong password, an unreachable server: one line naming the problem, nothing written', async () => {
    const dir = workspace();
    const url = await database();
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const closed = new URL(url);
    closed.port = '1';
    // Every problem through sweep (the command that would write), and the connection problems through the
    // other commands too (each CLI start costs seconds on a busy machine: not every pair).
    const cases: [string, RegExp, string[]][] = [
      ['postgresql://np:secret@127.0.0.1:notaport/db', /not a valid PostgreSQL URL/, ['sweep']],
      ['postgresql:///db', /names no host/, ['sweep']],
      ['postgress://np@127.0.0.1/db', /not a store: an SQLite file, or a postgresql:\/\/ URL/, ['sweep']],
      [wrong.toString(), /password authentication failed/, ['sweep', 'worker']],
      [closed.toString(), /cannot connect: connection refused/, ['sweep', 'runs']],
    ];
    for (const [store, message, commands] of cases) {
      for (const command of commands) {
        const args = [command, ...(command === 'sweep' ? ['grid.yaml'] : []), '--store', store];
        const r = runCli(args, dir);
        assert.notEqual(r.code, 0, `${args.join(' ')} fails`);
        assert.match(r.stderr, message, `${command} ${store}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.ok(!r.stderr.includes('secret') && !r.stderr.includes(new URL(url).password), 'no password shown');
      }
    }
    assert.deepEqual(readdirSync(dir), ['grid.yaml'], 'no file written');
    assert.deepEqual(await sql(url, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'neuron%'`), [], 'no table');
    assert.match(runCli(['worker', '--store', 'runs.sqlite'], dir).stderr, /not a postgresql:\/\/ URL/);
    assert.ok(!existsSync(join(dir, 'runs.sqlite')));
  });
});
