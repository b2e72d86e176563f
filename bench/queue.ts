/**
 * The PostgreSQL store's costs (docs/cluster.md), against the server NP_TEST_PG_URL names:
 *
 *   bash scripts/with-postgres.sh node dist/bench/queue.js overhead [--runs 1000] [--workers 8]
 *   bash scripts/with-postgres.sh node dist/bench/queue.js scaling GRID [--processes 1,2,4]
 *
 * `overhead`: the queue's own cost per run (enqueue, claim with heartbeat, write the row and complete the job in
 * one transaction), with `--runs` trivial runs (every one returns the same small stored result, so only the
 * queue and the store are timed) worked by `--workers` slots of one process; beside it, the same rows written
 * into an SQLite store. `scaling`: the grid (a sweep file or preset) into SQLite with 2 workers, then into
 * PostgreSQL by 1, 2, 4… worker processes of one thread each (`neuron-pursuit worker --until-empty`), with the
 * server's CPU seconds and transactions (its processes, when NP_TEST_PG_CONTROL names the throwaway server).
 * Every measurement works in a database of its own, dropped at the end. Each line gives the load average.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseSweepConfig } from '../src/experiments/config.js';
import { workQueue } from '../src/experiments/queue-worker.js';
import { runPoint } from '../src/experiments/run-point.js';
import { finishedRun, sweepPoints } from '../src/experiments/sweep.js';
import { WorkQueue } from '../src/experiments/work-queue.js';
import { codeVersion } from '../src/io/code-version.js';
import { PostgresRunStore } from '../src/io/postgres-store.js';
import { SqliteRunStore } from '../src/io/sqlite-store.js';
import { loadSweepConfig } from '../src/cli/sweep.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const server = process.env.NP_TEST_PG_URL;
if (!server) {
  process.stderr.write('queue bench: NP_TEST_PG_URL is not set (run it through scripts/with-postgres.sh)\n');
  process.exit(2);
}

const load = () => `load ${loadavg()[0]!.toFixed(2)}`;
const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Run `body` on a database of its own (its URL), dropped afterwards. */
async function inDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const name = `np_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server!);
  url.pathname = `/${name}`;
  try {
    return await body(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function overhead(): Promise<void> {
  const runs = Number(flag('--runs', '1000'));
  const workers = Number(flag('--workers', '8'));
  const config = parseSweepConfig(
    `{name: trivial, tasks: [demo], samples: [20], testSamples: 20, seeds: ${runs}, algorithms: [np],` +
      ' np: {lrs: [0.1], options: {maxIterations: 1, gdSteps: 10, restarts: 1, pgaSteps: 10}}}',
    'trivial.yaml',
  );
  const points = sweepPoints(config);
  const result = runPoint(points[0]!.point); // one real result, stored for every point
  await inDatabase(async (url) => {
    const store = await PostgresRunStore.open(url, { connections: 2 * workers + 4 });
    const queue = await WorkQueue.open(store, { lease: 600 });
    try {
      let t = performance.now();
      await queue.enqueue(config.name, points);
      const enqueue = (performance.now() - t) / 1000;
      t = performance.now();
      const outcome = await workQueue(queue, {
        workers,
        until: 'empty',
        pollSeconds: 0.05,
        runPoint: async () => result,
      });
      const work = (performance.now() - t) / 1000;
      if (outcome.ran !== runs || (await store.count()) !== runs) throw new Error(`stored ${await store.count()}`);
      const perRun = (1000 * (enqueue + work)) / runs;
      process.stdout.write(
        `PostgreSQL queue, ${runs} trivial runs, ${workers} workers: enqueue ${enqueue.toFixed(2)} s, ` +
          `claim + heartbeat + write ${work.toFixed(2)} s; ${perRun.toFixed(2)} ms per run (${load()})\n`,
      );
    } finally {
      await queue.stop();
      await store.close();
    }
  });
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-'));
  try {
    const store = new SqliteRunStore(join(dir, 'runs.sqlite'));
    const code = codeVersion();
    const t = performance.now();
    for (const { point, key } of points) await store.record(finishedRun(config.name, key, point, { result }, code));
    const seconds = (performance.now() - t) / 1000;
    await store.close();
    process.stdout.write(
      `SQLite store, the same ${runs} rows written one by one: ${seconds.toFixed(2)} s; ` +
        `${((1000 * seconds) / runs).toFixed(2)} ms per run (${load()})\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the CLI; resolves with its wall seconds, rejects on a non-zero exit. */
function cli(args: string[], cwd: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - t) / 1000) : reject(new Error(`${args[0]}: exit ${code}: ${stderr}`)),
    );
  });
}

/** CPU seconds of the throwaway server's processes so far (null when the server is not ours to look at). */
function serverCpuSeconds(): number | null {
  const control = process.env.NP_TEST_PG_CONTROL;
  if (!control) return null;
  const tick = 100; // USER_HZ on Linux
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const postmaster = readFileSync(join(dirname(control), 'data/postmaster.pid'), 'utf8').split('\n')[0]!;
  // The postmaster's own time, its ended children's (cutime, cstime), and its live children's.
  const own = stat(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const s = stat(pid);
      if (s[1] === postmaster) ticks += Number(s[11]) + Number(s[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / tick;
}

async function commits(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT xact_commit::float8 AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function scaling(): Promise<void> {
  const named = process.argv[3];
  if (!named) throw new Error('scaling: name a sweep file or preset');
  const grid = existsSync(named) ? resolve(named) : named; // the CLI runs in a folder of its own
  const processes = flag('--processes', '1,2,4').split(',').map(Number);
  const total = sweepPoints(loadSweepConfig(grid)).length;
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-'));
  try {
    const sqlite = await cli(['sweep', grid, '--store', join(dir, 'runs.sqlite'), '--workers', '2', '--quiet'], dir);
    process.stdout.write(`${named} (${total} runs) into SQLite, 2 workers: ${sqlite.toFixed(1)} s (${load()})\n`);
    await inDatabase(async (url) => {
      const seconds = await cli(['sweep', grid, '--store', url, '--workers', '2', '--quiet'], dir);
      const vs = ((100 * (seconds - sqlite)) / sqlite).toFixed(1);
      process.stdout.write(`${named} into PostgreSQL, 2 workers: ${seconds.toFixed(1)} s, ${vs} % (${load()})\n`);
    });
    for (const n of processes) {
      await inDatabase(async (url) => {
        await cli(['sweep', grid, '--store', url, '--workers', '0', '--quiet'], dir);
        const [cpu0, commits0] = [serverCpuSeconds(), await commits(url)];
        const t = performance.now();
        const worker = ['worker', '--store', url, '--workers', '1', '--until-empty', '--quiet'];
        await Promise.all(Array.from({ length: n }, () => cli(worker, dir)));
        const seconds = (performance.now() - t) / 1000;
        const cpu1 = serverCpuSeconds();
        const xacts = (await commits(url)) - commits0;
        const server = cpu0 === null || cpu1 === null ? '' : `, server CPU ${(cpu1 - cpu0).toFixed(1)} s`;
        process.stdout.write(
          `${n} worker process(es): ${seconds.toFixed(1)} s, ${((3600 * total) / seconds).toFixed(0)} runs/h` +
            `${server}, ${xacts} transactions (${load()})\n`,
        );
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
if (mode === 'overhead') await overhead();
else if (mode === 'scaling') await scaling();
else {
  process.stderr.write('queue bench: usage: queue.js overhead [--runs N] [--workers N] | scaling GRID\n');
  process.exit(2);
}
