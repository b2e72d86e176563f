/**
 * The sweep store under faults, all at once and for a long while (docs/reliability.md):
 *
 *   npm run chaos                          # both stores, 10 minutes each, seed 1
 *   npm run chaos -- --stores sqlite --minutes 3 --seed 7 --out runs/chaos
 *   bash scripts/with-postgres.sh node dist/bench/chaos.js --short   # the short version npm test runs
 *
 * PostgreSQL: 4 `worker` processes (one run at a time each) work a grid of short runs through a TCP proxy
 * (bench/tcp-proxy.ts) while a seeded schedule injects faults: SIGKILL a worker (a replacement starts), stop
 * one with SIGTERM, pause one with SIGSTOP past its lease until another worker has taken its run over and then
 * resume it, restart the server (twice at least), terminate the workers' server connections, reset every
 * connection at the proxy, hold all traffic back for seconds, and make one connection go silent for good.
 * SQLite: 2 `sweep` processes of 2 threads each on one file, while the schedule SIGKILLs a sweep (restarted),
 * pauses one, and reads the store meanwhile. The grid comes in rounds of `seedsPerRound` seeds (12 points
 * each), a new round once the last is stored, until the time is up and every fault kind has come round
 * `cycles` times. At the end: every grid point stored exactly once, each job completed, no claim left, and
 * every stored field but the wall-clock times identical to the same grid run into SQLite by one process.
 * Prints the faults injected by kind and the outcome; writes the schedule as it happened (faults.jsonl), each
 * process's output, and report.json under --out. Exit 0 when both stores pass. Needs NP_TEST_PG_URL and
 * NP_TEST_PG_CONTROL (scripts/with-postgres.sh sets both) for PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';
import { QUEUE, QUEUE_SCHEMA } from '../src/experiments/work-queue.js';
import { Rng } from '../src/linalg/rng.js';
import { RUN_COLUMNS } from '../src/io/store-schema.js';
import { TcpProxy } from './tcp-proxy.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

/** How long and how hard: the full run, and the short one npm test runs (test/chaos.test.ts). */
const PROFILES: Record<'full' | 'short', Profile> = {
  full: {
    minutes: 10,
    seedsPerRound: 10,
    /** --lease of the PostgreSQL workers: long beside a heartbeat (lease / 4) on a loaded machine. */
    lease: 30,
    /** Seconds between two faults. */
    gap: [6, 20],
    /** How long a stall holds traffic back, a restart keeps the server down, a SQLite sweep stays paused. */
    stall: [3, 15],
    down: [1, 8],
    sqlitePause: [2, 15],
    /** Each fault kind comes round at least this often. */
    cycles: 2,
  },
  short: {
    minutes: 0,
    seedsPerRound: 2,
    lease: 6,
    gap: [1.5, 3],
    stall: [1, 2],
    down: [0.5, 1.5],
    sqlitePause: [1, 2],
    cycles: 1,
  },
};
interface Profile {
  minutes: number;
  seedsPerRound: number;
  lease: number;
  gap: readonly number[];
  stall: readonly number[];
  down: readonly number[];
  sqlitePause: readonly number[];
  cycles: number;
}

const PG_WORKERS = 4;
/**
 * Seconds without a run stored (while the grid is not done) that make a hang: long, since on a machine loaded
 * many times over a sweep or worker may take a minute to start and each run tens of seconds.
 */
const STALL_LIMIT_S = 600;
const SQLITE_SWEEPS = 2;
const SQLITE_THREADS = 2;

/** Faults of each store; `kill` comes twice in a cycle. */
const PG_FAULTS = ['kill', 'kill', 'sigterm', 'pause', 'restart', 'terminate', 'reset', 'stall', 'silence'] as const;
const SQLITE_FAULTS = ['kill', 'kill', 'pause', 'read'] as const;

/** A round of the grid: 12 short runs (0.1 to 1 s each on a loaded 2-core machine) per seed. */
function roundGrid(round: number, seedsPerRound: number): string {
  const seeds = Array.from({ length: seedsPerRound }, (_, i) => round * seedsPerRound + i);
  return `name: chaos
tasks: [demo, {name: hypersphere-f1, samples: [60]}]
samples: [40, 80]
testSamples: 50
seeds: [${seeds.join(', ')}]
algorithms: [np, gd]
np:
  lrs: [0.1, 0.2]
  options: {maxIterations: 3, gdSteps: 4000, tol: 0, targetError: 1.0e-9, restarts: 3, pgaSteps: 200}
gd: {lrs: [0.01, 0.02], maxSteps: 10000, width: 10}
`;
}

const sleep = (seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000));
const between = (rng: Rng, [lo, hi]: readonly number[]) => lo! + rng.uniform() * (hi! - lo!);

/** The grid's rounds: their sweep files under `dir` and their keys. */
class Rounds {
  readonly files: string[] = [];
  readonly keys: string[][] = [];

  constructor(
    private readonly dir: string,
    private readonly seedsPerRound: number,
  ) {}

  /** The sweep file of round `r` (written on first use). */
  file(r: number): string {
    while (this.files.length <= r) {
      const n = this.files.length;
      const text = roundGrid(n, this.seedsPerRound);
      const path = join(this.dir, `round-${n}.yaml`);
      writeFileSync(path, text);
      this.files.push(path);
      this.keys.push(expandGrid(parseSweepConfig(text, path)).map(pointKey));
    }
    return this.files[r]!;
  }

  /** Every key of rounds 0 … r−1. */
  upTo(r: number): string[] {
    return this.keys.slice(0, r).flat();
  }
}

/** The log of one store's run: faults as they happen (faults.jsonl), their counts, and problems found. */
class Journal {
  readonly counts: Record<string, number> = {};
  readonly problems: string[] = [];
  readonly notes: Record<string, number> = {};
  readonly start = performance.now();

  constructor(
    private readonly dir: string,
    private readonly store: string,
  ) {}

  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  fault(kind: string, detail: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.line({ kind, detail });
  }

  note(what: string, detail = ''): void {
    this.notes[what] = (this.notes[what] ?? 0) + 1;
    this.line({ note: what, detail });
  }

  problem(message: string): void {
    this.problems.push(message);
    this.line({ problem: message });
  }

  private line(entry: Record<string, string>): void {
    const t = this.seconds.toFixed(1);
    appendFileSync(join(this.dir, 'faults.jsonl'), `${JSON.stringify({ t: Number(t), ...entry })}\n`);
    const what = entry.kind ?? entry.note ?? 'PROBLEM';
    process.stderr.write(`[${this.store} ${t.padStart(6)} s] ${what}: ${entry.detail ?? entry.problem}\n`);
  }
}

/** A CLI process, its output in a log file. */
class Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Why the harness ended it (kill, sigterm), if it did. */
  endedBy: string | null = null;
  paused = false;

  readonly log: string;

  /** Start the CLI with `args`, its output in `${prefix}-PID.log`. */
  constructor(args: string[], prefix: string, cwd: string) {
    const started = `${prefix}-starting-${randomBytes(4).toString('hex')}.log`;
    const fd = openSync(started, 'a');
    this.child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.pid = this.child.pid!;
    this.log = `${prefix}-${this.pid}.log`;
    renameSync(started, this.log); // the process writes on through its descriptor
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals, why?: string): void {
    if (why) this.endedBy = why;
    if (this.running) this.child.kill(signal);
  }

  output(): string {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }

  tail(lines = 3): string {
    return this.output().trimEnd().split('\n').slice(-lines).join(' | ');
  }
}

/** Run the CLI to the end; its exit code and output. */
async function cli(args: string[], cwd: string, prefix: string): Promise<{ code: number | null; output: string }> {
  const proc = new Proc(args, prefix, cwd);
  const { code } = await proc.exited;
  return { code, output: proc.output() };
}

/** Run a command (the server's control script) to the end; rejects on failure. */
function command(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')}: ${stderr}`))));
  });
}

/** The seeded schedule: cycles of every fault kind in a shuffled order, a random gap before each. */
class Schedule<K extends string> {
  private cycle: K[] = [];

  constructor(
    readonly kinds: readonly K[],
    private readonly rng: Rng,
    private readonly gap: readonly number[],
  ) {}

  /** The next fault and the seconds to wait before it. */
  next(): { kind: K; wait: number } {
    if (this.cycle.length === 0) {
      this.cycle = this.rng.permutation(this.kinds.length).map((i) => this.kinds[i]!);
    }
    return { kind: this.cycle.shift()!, wait: between(this.rng, this.gap) };
  }
}

/** Fire faults on the schedule until `stop`; each fault runs on its own (they overlap), the run awaits them all. */
async function runSchedule<K extends string>(
  schedule: Schedule<K>,
  inject: (kind: K) => Promise<void>,
  journal: Journal,
  shouldStop: () => boolean,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  while (!shouldStop()) {
    const { kind, wait } = schedule.next();
    const until = performance.now() + wait * 1000;
    while (performance.now() < until && !shouldStop()) await sleep(0.2);
    if (shouldStop()) break;
    const fault = inject(kind)
      .catch((err) => journal.problem(`fault ${kind} failed: ${(err as Error).message}`))
      .finally(() => inFlight.delete(fault));
    inFlight.add(fault);
  }
  await Promise.all(inFlight);
}

/** Retry `attempt` (true: done) every second up to `times`; whether it got done. */
async function retrying(times: number, attempt: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < times; i++) {
    if (await attempt()) return true;
    await sleep(1);
  }
  return false;
}

/** One query on a fresh connection (the harness's own, never through the proxy). */
async function sql<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'chaos-harness' });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

/** A stored row without its wall-clock times: what two runs of the same point must share bit for bit. */
function comparable(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of RUN_COLUMNS) {
    if (column === 'seconds' || column === 'finished_at') continue;
    const value = row[column] ?? null;
    out[column] =
      column === 'result' && typeof value === 'string'
        ? JSON.parse(value, (k, v) => (k === 'seconds' ? undefined : v))
        : value;
  }
  return out;
}

interface StoreOutcome {
  store: 'postgresql' | 'sqlite';
  seconds: number;
  rounds: number;
  points: number;
  faults: Record<string, number>;
  notes: Record<string, number>;
  problems: string[];
  /** Rows by key, comparable. */
  rows: Map<string, Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

async function chaosPostgres(profile: Profile, seed: number, out: string): Promise<StoreOutcome> {
  const server = process.env.NP_TEST_PG_URL;
  const control = process.env.NP_TEST_PG_CONTROL;
  if (!server || !control)
    throw new Error('NP_TEST_PG_URL and NP_TEST_PG_CONTROL are needed (scripts/with-postgres.sh)');
  const dir = join(out, 'postgresql');
  mkdirSync(dir, { recursive: true });
  const journal = new Journal(dir, 'postgresql');
  const rng = new Rng(seed, 'chaos/postgresql');
  const pick = rng.fork('victims');
  const rounds = new Rounds(out, profile.seedsPerRound);

  const name = `np_chaos_${randomBytes(5).toString('hex')}`;
  await sql(server, `CREATE DATABASE ${name}`);
  const direct = new URL(server);
  direct.pathname = `/${name}`;
  const url = direct.toString();
  const proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const through = new URL(url);
  through.port = String(await proxy.listen());

  let serverDown = false;
  let stopping = false;
  const workers: Proc[] = [];
  const everyWorker: Proc[] = [];
  const startWorker = () => {
    const args = ['worker', '--store', through.toString(), '--workers', '1', '--lease', String(profile.lease)];
    const w = new Proc(args, join(dir, 'worker'), out);
    workers.push(w);
    everyWorker.push(w);
    void w.exited.then(({ code, signal }) => {
      workers.splice(workers.indexOf(w), 1);
      const how = signal ?? `exit ${code}`;
      if (w.endedBy === 'kill' && signal === 'SIGKILL') {
        journal.note('worker killed', `pid ${w.pid}`);
      } else if ((w.endedBy === 'sigterm' || w.endedBy === 'stop') && code === 0) {
        journal.note('worker stopped cleanly', `pid ${w.pid}`);
      } else if (w.endedBy !== null && signal === 'SIGTERM' && w.output() === '') {
        journal.note('worker stopped before it began', `pid ${w.pid}`); // its signal handlers were not set yet
      } else {
        journal.problem(`worker ${w.pid} ended (${how}, ended by ${w.endedBy ?? 'nobody'}): ${w.tail()}`);
      }
      if (!stopping)
        setTimeout(() => {
          if (!stopping) while (workers.length < PG_WORKERS) startWorker();
        }, 500);
    });
  };
  const live = () => workers.filter((w) => w.running && !w.paused && w.endedBy === null);
  // A fault that ends or pauses a worker hits one at work (it holds a run, or has stored one): on a loaded
  // machine a start takes seconds, and faults every few seconds could otherwise keep every worker from working.
  const atWork = (held: Map<number, unknown>) => live().filter((w) => held.has(w.pid) || /: done$/m.test(w.output()));
  /**
   * The runs workers hold: by pid, the point and its attempts before this one. The schedule takes at most one
   * attempt of a point on purpose (a kill, a stop, a pause of its holder): pg-boss gives a point up after 3 lost
   * attempts, by design (test/queue-cli.test.ts covers that), and the faults that hit every run in flight at
   * once (a restart, a stall, a silent connection) may take another.
   */
  const heldRuns = async () =>
    new Map(
      (
        await sql<{ key: string; pid: number; retry_count: number }>(
          url,
          `SELECT c.key, c.pid, j.retry_count FROM neuron_pursuit.claims c JOIN ${QUEUE_SCHEMA}.job j
           ON j.name = $1 AND j.data->>'key' = c.key AND j.state = 'active'`,
          [QUEUE],
        ).catch(() => [])
      ).map((c) => [Number(c.pid), { key: c.key, retried: c.retry_count > 0 }]),
    );

  const enqueue = async (r: number) => {
    const ok = await retrying(120, async () => {
      const q = await cli(
        ['sweep', rounds.file(r), '--store', url, '--workers', '0', '--quiet'],
        out,
        join(dir, `enqueue-${r}`),
      );
      if (q.code !== 0) journal.note('enqueue retried', q.output.trim().split('\n').at(-1) ?? '');
      return q.code === 0;
    });
    if (!ok) throw new Error(`round ${r} could not be queued`);
  };

  const inject = async (kind: (typeof PG_FAULTS)[number]): Promise<void> => {
    switch (kind) {
      case 'kill':
      case 'sigterm': {
        const held = await heldRuns();
        const candidates = atWork(held).filter((w) => !held.get(w.pid)?.retried);
        if (candidates.length === 0) return journal.note(`${kind} skipped`, 'no worker at work');
        const victim = candidates[pick.int(candidates.length)]!;
        victim.signal(kind === 'kill' ? 'SIGKILL' : 'SIGTERM', kind);
        const holding = held.get(victim.pid)?.key.slice(0, 8);
        return journal.fault(kind, `worker ${victim.pid}${holding ? ` holding ${holding}` : ''}`);
      }
      case 'pause': {
        // A worker that holds a run (its claim is in the store) stops past its lease; it resumes once another
        // worker has taken the run over, and finishes it too.
        let done = false;
        await retrying(20, async () => {
          if (serverDown) return false;
          const held = await heldRuns();
          const candidates = live().filter((w) => held.get(w.pid)?.retried === false);
          if (candidates.length < 1 || live().length < 2) return false;
          const victim = candidates[pick.int(candidates.length)]!;
          victim.paused = true;
          victim.signal('SIGSTOP');
          const key = (await heldRuns()).get(victim.pid)?.key;
          if (!key) {
            victim.signal('SIGCONT');
            victim.paused = false;
            return false;
          }
          const t0 = performance.now();
          const cap = profile.lease * 4 + 60;
          let outcome = `not taken over within ${cap} s`;
          while ((performance.now() - t0) / 1000 < cap) {
            await sleep(0.25);
            const state = await sql<{ pid: number | null; stored: boolean }>(
              url,
              `SELECT (SELECT pid FROM neuron_pursuit.claims WHERE key = $1) AS pid,
                 EXISTS (SELECT 1 FROM neuron_pursuit.runs WHERE key = $1) AS stored`,
              [key],
            ).catch(() => []);
            const s = state[0];
            if (s && s.pid !== null && Number(s.pid) !== victim.pid) {
              outcome = `taken over by worker ${s.pid}`;
              break;
            }
            if (s?.stored) {
              outcome = 'stored by another worker';
              break;
            }
          }
          const seconds = (performance.now() - t0) / 1000;
          await sleep(pick.uniform());
          victim.signal('SIGCONT');
          victim.paused = false;
          if (outcome.startsWith('not')) journal.problem(`paused worker ${victim.pid}: ${outcome}`);
          journal.fault(
            'pause',
            `worker ${victim.pid} paused ${seconds.toFixed(1)} s holding ${key.slice(0, 8)}: ${outcome}`,
          );
          done = true;
          return true;
        });
        if (!done) journal.note('pause skipped', 'no worker held a run');
        return;
      }
      case 'restart': {
        if (serverDown) return journal.note('restart skipped', 'already down');
        serverDown = true;
        const down = between(pick, profile.down);
        await command(control, ['stop']);
        await sleep(down);
        await command(control, ['start']);
        serverDown = false;
        return journal.fault('restart', `server down ${down.toFixed(1)} s`);
      }
      case 'terminate': {
        const all = pick.uniform() < 0.5;
        const done = await retrying(20, async () => {
          if (serverDown) return false;
          const rows = await sql<{ n: string }>(
            server,
            `SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM (
               SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'neuron-pursuit'
               ORDER BY random() LIMIT $2) victims`,
            [name, all ? 1000 : 1],
          ).catch(() => [] as { n: string }[]);
          const n = Number(rows[0]?.n ?? 0);
          if (n > 0) journal.fault('terminate', `${n} server connection(s) terminated`);
          return n > 0;
        });
        if (!done) journal.note('terminate skipped', 'no connection to terminate');
        return;
      }
      case 'reset':
        return journal.fault('reset', `${proxy.resetAll()} connection(s) reset at the proxy`);
      case 'stall': {
        const seconds = between(pick, profile.stall);
        proxy.stall();
        await sleep(seconds);
        proxy.release();
        return journal.fault('stall', `all traffic held back ${seconds.toFixed(1)} s`);
      }
      case 'silence':
        if (proxy.silenceOne((n) => pick.int(n)))
          return journal.fault('silence', 'one connection went silent for good');
        return journal.note('silence skipped', 'no open connection');
    }
  };

  let round = 0;
  await enqueue(round++);
  for (let i = 0; i < PG_WORKERS; i++) startWorker();
  const schedule = new Schedule(PG_FAULTS, rng.fork('schedule'), profile.gap);
  // Faults until the time is up and each kind was injected `cycles` times at least; the round under way then ends.
  const enough = () =>
    journal.seconds >= profile.minutes * 60 && schedule.kinds.every((k) => (journal.counts[k] ?? 0) >= profile.cycles);
  let finished = false;
  const faults = runSchedule(schedule, inject, journal, () => finished || enough());
  let lastCount = -1;
  let lastProgress = performance.now();
  const stallLimit = Math.max(STALL_LIMIT_S, 3 * profile.lease + 60);
  for (;;) {
    await sleep(1);
    const stored = await sql<{ n: string }>(url, 'SELECT COUNT(*) AS n FROM neuron_pursuit.runs').catch(() => null);
    if (!stored) continue; // the server is restarting
    const n = Number(stored[0]!.n);
    if (n !== lastCount) [lastCount, lastProgress] = [n, performance.now()];
    else if ((performance.now() - lastProgress) / 1000 > stallLimit) {
      journal.problem(`no run stored for ${stallLimit} s (${n} stored): a hang`);
      break;
    }
    if (n < rounds.upTo(round).length) continue;
    if (enough()) break;
    journal.note('round queued', `round ${round} (${n} stored)`);
    await enqueue(round++);
  }
  finished = true;
  await faults;
  proxy.release();

  // Every job completed, then the workers stop cleanly (SIGTERM: exit 0).
  const keys = rounds.upTo(round);
  const settled = await retrying(Math.max(300, 4 * profile.lease), async () => {
    const jobs = await sql<{ n: string }>(
      url,
      `SELECT COUNT(*) AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND state <> 'completed'`,
      [QUEUE],
    ).catch(() => null);
    return jobs !== null && Number(jobs[0]!.n) === 0;
  });
  if (!settled) journal.problem('jobs left unfinished at the end');
  stopping = true;
  for (const w of workers) w.signal('SIGCONT');
  for (const w of [...workers]) w.signal('SIGTERM', 'stop');
  for (const w of [...workers]) {
    const ended = await Promise.race([w.exited, sleep(120).then(() => null)]);
    if (!ended) {
      journal.problem(`worker ${w.pid} did not stop within 120 s of SIGTERM: ${w.tail()}`);
      w.signal('SIGKILL');
    }
  }
  journal.notes['silent connections that swallowed a query'] = proxy.swallowed;
  await proxy.close();

  // The store at the end.
  const rows = await sql<Record<string, unknown>>(url, 'SELECT * FROM neuron_pursuit.runs');
  const jobs = await sql<{ key: string; state: string; retry_count: number }>(
    url,
    `SELECT data->>'key' AS key, state::text AS state, retry_count FROM ${QUEUE_SCHEMA}.job WHERE name = $1`,
    [QUEUE],
  );
  const claims = await sql(url, 'SELECT key, pid FROM neuron_pursuit.claims');
  checkRows(journal, keys, rows);
  const byKey = new Map<string, number>();
  for (const j of jobs) byKey.set(j.key, (byKey.get(j.key) ?? 0) + 1);
  const notCompleted = jobs.filter((j) => j.state !== 'completed');
  if (jobs.length !== keys.length || [...byKey.values()].some((n) => n !== 1))
    journal.problem(`${jobs.length} jobs for ${keys.length} points`);
  if (notCompleted.length > 0)
    journal.problem(`${notCompleted.length} jobs not completed: ${JSON.stringify(notCompleted.slice(0, 3))}`);
  if (claims.length > 0) journal.problem(`${claims.length} claim(s) left: ${JSON.stringify(claims.slice(0, 3))}`);
  journal.notes['runs retried (a lost or cut-off attempt)'] = jobs.filter((j) => j.retry_count > 0).length;
  // A run taken over from a paused worker is finished by both: the row is written once, the run twice.
  const finishedRuns = everyWorker.reduce((n, w) => n + (w.output().match(/: done$/gm) ?? []).length, 0);
  journal.notes['runs finished by a worker (a point taken over is finished twice)'] = finishedRuns;
  await sql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return outcome('postgresql', journal, round, keys, rows);
}

/** Every key exactly once, each a success. */
function checkRows(journal: Journal, keys: string[], rows: Record<string, unknown>[]): void {
  const want = new Set(keys);
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(String(r.key), (seen.get(String(r.key)) ?? 0) + 1);
  const missing = keys.filter((k) => !seen.has(k));
  const extra = [...seen.keys()].filter((k) => !want.has(k));
  const twice = [...seen].filter(([, n]) => n > 1);
  const failed = rows.filter((r) => r.status !== 'ok');
  if (missing.length) journal.problem(`${missing.length} point(s) lost: ${missing.slice(0, 3).join(', ')}`);
  if (extra.length) journal.problem(`${extra.length} row(s) not of the grid`);
  if (twice.length) journal.problem(`${twice.length} point(s) stored more than once`);
  if (failed.length) journal.problem(`${failed.length} point(s) stored as failed: ${String(failed[0]!.error)}`);
}

function outcome(
  store: StoreOutcome['store'],
  journal: Journal,
  rounds: number,
  keys: string[],
  rows: Record<string, unknown>[],
): StoreOutcome {
  return {
    store,
    seconds: journal.seconds,
    rounds,
    points: keys.length,
    faults: journal.counts,
    notes: journal.notes,
    problems: journal.problems,
    rows: new Map(rows.map((r) => [String(r.key), comparable(r)])),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SQLite

async function chaosSqlite(profile: Profile, seed: number, out: string): Promise<StoreOutcome> {
  const dir = join(out, 'sqlite');
  mkdirSync(dir, { recursive: true });
  const journal = new Journal(dir, 'sqlite');
  const rng = new Rng(seed, 'chaos/sqlite');
  const pick = rng.fork('victims');
  const rounds = new Rounds(out, profile.seedsPerRound);
  const file = join(dir, 'store.sqlite');
  let round = 0;
  let sweeps: Proc[] = [];
  const everySweep: Proc[] = [];
  let restarts = 0;
  /** Kills whose sweep is about to be started again. */
  let restarting = 0;

  const startSweep = (r: number) => {
    const args = ['sweep', rounds.file(r), '--store', file, '--workers', String(SQLITE_THREADS)];
    const s = new Proc(args, join(dir, 'sweep'), out);
    sweeps.push(s);
    everySweep.push(s);
    void s.exited.then(({ code, signal }) => {
      if ((s.endedBy === 'kill' || s.endedBy === 'hang') && signal === 'SIGKILL') {
        // restarted by the fault, or the hang is reported
      } else if (code !== 0) journal.problem(`sweep ${s.pid} ended (${signal ?? `exit ${code}`}): ${s.tail()}`);
      if (/locked|busy/i.test(s.output())) journal.problem(`sweep ${s.pid} met a locked database: ${s.tail()}`);
    });
    return s;
  };
  const running = () => sweeps.filter((s) => s.running && !s.paused && s.endedBy === null);
  // A sweep is killed once it has stored or counted a run since it started: killed sooner, on a loaded machine
  // (a start takes seconds), a kill every few seconds could keep every sweep from ever getting to work.
  const working = () => running().filter((s) => /: (done|failed)/.test(s.output()));

  const inject = async (kind: (typeof SQLITE_FAULTS)[number]): Promise<void> => {
    switch (kind) {
      case 'kill': {
        const candidates = working();
        if (candidates.length === 0) return journal.note('kill skipped', 'no sweep at work');
        const victim = candidates[pick.int(candidates.length)]!;
        restarting++;
        victim.signal('SIGKILL', 'kill');
        journal.fault('kill', `sweep ${victim.pid}`);
        await victim.exited;
        await sleep(pick.uniform() * 2);
        restarts++;
        const again = startSweep(round);
        restarting--;
        journal.note('sweep restarted', `sweep ${again.pid} in place of ${victim.pid}`);
        return;
      }
      case 'pause': {
        const candidates = running();
        if (candidates.length === 0) return journal.note('pause skipped', 'no sweep running');
        const victim = candidates[pick.int(candidates.length)]!;
        const seconds = between(pick, profile.sqlitePause);
        victim.paused = true;
        victim.signal('SIGSTOP');
        await sleep(seconds);
        victim.signal('SIGCONT');
        victim.paused = false;
        return journal.fault('pause', `sweep ${victim.pid} paused ${seconds.toFixed(1)} s`);
      }
      case 'read': {
        if (countRows(file) === null) return journal.note('read skipped', 'no store yet');
        const r = await cli(['runs', '--store', file, '--json'], out, join(dir, 'read'));
        if (r.code !== 0) journal.problem(`a reader failed meanwhile: ${r.output.trim()}`);
        const rows = r.code === 0 ? (JSON.parse(r.output) as unknown[]).length : 'no';
        return journal.fault('read', `${rows} rows read while the sweeps write`);
      }
    }
  };

  const schedule = new Schedule(SQLITE_FAULTS, rng.fork('schedule'), profile.gap);
  // Faults until the time is up and each kind was injected `cycles` times at least; the round under way then ends.
  const enough = () =>
    journal.seconds >= profile.minutes * 60 && schedule.kinds.every((k) => (journal.counts[k] ?? 0) >= profile.cycles);
  let finished = false;
  const faults = runSchedule(schedule, inject, journal, () => finished || enough());
  for (;;) {
    sweeps = [];
    for (let i = 0; i < SQLITE_SWEEPS; i++) startSweep(round);
    // The round is done when no sweep of it runs any more, nor is about to be started again.
    let [lastCount, lastProgress] = [-1, performance.now()];
    for (;;) {
      await sleep(1);
      if (sweeps.every((s) => !s.running) && restarting === 0) break;
      const n = countRows(file) ?? 0;
      if (n !== lastCount) [lastCount, lastProgress] = [n, performance.now()];
      else if ((performance.now() - lastProgress) / 1000 > STALL_LIMIT_S && !finished) {
        journal.problem(`no run stored for ${STALL_LIMIT_S} s (${n} stored): a hang`);
        finished = true;
        for (const s of sweeps) s.signal('SIGKILL', 'hang');
      }
    }
    if (finished) {
      round++; // the round under way counts: what it lacks is lost
      break;
    }
    const stored = countRows(file) ?? 0;
    if (stored < rounds.upTo(round + 1).length) {
      journal.problem(`round ${round}: every sweep ended with ${stored} of ${rounds.upTo(round + 1).length} stored`);
    }
    round++;
    if (enough()) break;
    journal.note('round started', `round ${round}`);
  }
  finished = true;
  await faults;
  journal.notes['sweeps restarted after SIGKILL'] = restarts;

  const db = new Database(file, { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true });
  const rows = db.prepare('SELECT * FROM runs').all() as Record<string, unknown>[];
  const claims = db.prepare('SELECT key, pid FROM claims').all();
  db.close();
  if (integrity !== 'ok') journal.problem(`integrity check: ${String(integrity)}`);
  const keys = rounds.upTo(round);
  checkRows(journal, keys, rows);
  if (claims.length > 0) journal.problem(`${claims.length} claim(s) left: ${JSON.stringify(claims.slice(0, 3))}`);
  // Each run a sweep stores is one line of its output: more lines than points means a point was run to the end
  // twice (by two sweeps at once); fewer, a sweep killed between storing a run and saying so.
  const finishedRuns = everySweep.reduce((n, s) => n + (s.output().match(/: done \(/g) ?? []).length, 0);
  journal.notes['runs stored by a sweep'] = finishedRuns;
  if (finishedRuns > keys.length) journal.problem(`${finishedRuns - keys.length} point(s) run to the end twice`);
  return outcome('sqlite', journal, round, keys, rows);
}

/** Rows in an SQLite store; null when it has no table of runs yet. */
function countRows(file: string): number | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The reference and the report

/** The grid's rounds run into SQLite by one process each, one after another, with no fault; rows by key. */
async function reference(
  out: string,
  rounds: number,
  seedsPerRound: number,
): Promise<Map<string, Record<string, unknown>>> {
  const file = join(out, 'reference.sqlite');
  const files = new Rounds(out, seedsPerRound);
  for (let r = 0; r < rounds; r++) {
    const run = await cli(
      ['sweep', files.file(r), '--store', file, '--workers', '2', '--quiet'],
      out,
      join(out, `reference-${r}`),
    );
    if (run.code !== 0) throw new Error(`the reference sweep failed: ${run.output}`);
  }
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM runs').all() as Record<string, unknown>[];
    return new Map(rows.map((r) => [String(r.key), comparable(r)]));
  } finally {
    db.close();
  }
}

function compare(outcome: StoreOutcome, ref: Map<string, Record<string, unknown>>): void {
  let differ = 0;
  let first = '';
  for (const [key, row] of outcome.rows) {
    const want = ref.get(key);
    if (!want) continue; // reported as not of the grid
    if (!isDeepStrictEqual(row, want)) {
      differ++;
      const field = Object.keys(row).find((c) => !isDeepStrictEqual(row[c], want[c]));
      first ||= `${key}: field ${field}`;
    }
  }
  if (differ > 0) outcome.problems.push(`${differ} row(s) differ from the one-process SQLite run (${first})`);
}

function table(outcomes: StoreOutcome[], profileName: string, seed: number): string {
  const kinds = [...new Set(outcomes.flatMap((o) => Object.keys(o.faults)))].sort();
  const head = ['store', 'minutes', 'points', 'rounds', ...kinds, 'outcome'];
  const lines = outcomes.map((o) => [
    o.store,
    (o.seconds / 60).toFixed(1),
    String(o.points),
    String(o.rounds),
    ...kinds.map((k) => String(o.faults[k] ?? '—')),
    o.problems.length === 0 ? 'pass' : `FAIL (${o.problems.length})`,
  ]);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `chaos run, profile ${profileName}, seed ${seed}, ${new Date().toISOString().slice(0, 10)}, ` +
      `load ${loadavg()[0]!.toFixed(1)}`,
    row(head),
    row(head.map(() => '---')),
    ...lines.map(row),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      minutes: { type: 'string' },
      seed: { type: 'string', default: '1' },
      stores: { type: 'string', default: 'postgresql,sqlite' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const profileName = values.short ? 'short' : 'full';
  const base = PROFILES[profileName];
  const profile: Profile = values.minutes === undefined ? base : { ...base, minutes: Number(values.minutes) };
  if (!(profile.minutes >= 0)) throw new Error(`--minutes: not a number: ${values.minutes}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed: not an integer: ${values.seed}`);
  const stores = values.stores.split(',');
  for (const s of stores) if (s !== 'postgresql' && s !== 'sqlite') throw new Error(`--stores: unknown store ${s}`);
  const out = resolve(values.out ?? join(tmpdir(), `np-chaos-${randomBytes(4).toString('hex')}`));
  mkdirSync(out, { recursive: true });
  process.stderr.write(`chaos: profile ${profileName}, seed ${seed}, output in ${out}\n`);

  const outcomes: StoreOutcome[] = [];
  if (stores.includes('postgresql')) outcomes.push(await chaosPostgres(profile, seed, out));
  if (stores.includes('sqlite')) outcomes.push(await chaosSqlite(profile, seed, out));
  const t = performance.now();
  const ref = await reference(out, Math.max(...outcomes.map((o) => o.rounds)), profile.seedsPerRound);
  const referenceSeconds = (performance.now() - t) / 1000;
  for (const o of outcomes) compare(o, ref);

  const text = table(outcomes, profileName, seed);
  process.stdout.write(`${text}\n`);
  for (const o of outcomes) {
    for (const [what, n] of Object.entries(o.notes)) process.stdout.write(`${o.store}: ${what}: ${n}\n`);
    for (const p of o.problems) process.stdout.write(`${o.store}: PROBLEM: ${p}\n`);
  }
  process.stdout.write(`reference (one process into SQLite, no faults): ${referenceSeconds.toFixed(0)} s\n`);
  const report = {
    profile: profileName,
    seed,
    date: new Date().toISOString(),
    referenceSeconds,
    stores: outcomes.map(({ rows: _rows, ...o }) => o),
  };
  writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const pass = outcomes.every((o) => o.problems.length === 0);
  if (pass && !values.keep && !values.out) rmSync(out, { recursive: true, force: true });
  process.exitCode = pass ? 0 : 1;
}

await main();
