/**
 * What both halves of the chaos run (bench/chaos.ts) share: the grid in rounds, the journal of faults and
 * problems, the processes it starts, the seeded schedule, and the checks of a store at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandGrid, parseSweepConfig, pointKey } from '../src/experiments/config.js';
import type { Rng } from '../src/linalg/rng.js';
import { RUN_COLUMNS } from '../src/io/store-schema.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

/** How long and how hard a chaos run is (bench/chaos.ts's profiles). Ranges are [low, high] seconds. */
export interface Profile {
  /** Faults for at least this long. */
  minutes: number;
  /** Seeds per round of the grid (12 points each). */
  seedsPerRound: number;
  /** --lease of the PostgreSQL workers, in seconds. */
  lease: number;
  /** The wait before each fault. */
  gap: readonly number[];
  /** How long a stall holds traffic back, a restart keeps the server down, a SQLite sweep stays paused. */
  stall: readonly number[];
  down: readonly number[];
  sqlitePause: readonly number[];
  /** Each fault kind is injected at least this often. */
  cycles: number;
}

/**
 * Seconds without a run stored (while the grid is not done) that make a hang: long, since on a machine loaded
 * many times over a sweep or worker may take a minute to start and each run tens of seconds.
 */
export const STALL_LIMIT_S = 600;

/** A round of the grid: 12 short runs (0.1 to 1 s each on a loaded 2-core machine) per seed. */
export function roundGrid(round: number, seedsPerRound: number): string {
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

export const sleep = (seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000));
export const between = (rng: Rng, [lo, hi]: readonly number[]) => lo! + rng.uniform() * (hi! - lo!);

/** The grid's rounds: their sweep files under `dir` and their keys. */
export class Rounds {
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
export class Journal {
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
export class Proc {
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
export async function cli(
  args: string[],
  cwd: string,
  prefix: string,
): Promise<{ code: number | null; output: string }> {
  const proc = new Proc(args, prefix, cwd);
  const { code } = await proc.exited;
  return { code, output: proc.output() };
}

/** Run a command (the server's control script) to the end; rejects on failure. */
export function command(file: string, args: string[]): Promise<void> {
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
export class Schedule<K extends string> {
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
export async function runSchedule<K extends string>(
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
export async function retrying(times: number, attempt: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < times; i++) {
    if (await attempt()) return true;
    await sleep(1);
  }
  return false;
}

/** A stored row without its wall-clock and CPU times: what two runs of the same point must share bit for bit. */
export function comparable(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of RUN_COLUMNS) {
    if (column === 'seconds' || column === 'finished_at') continue;
    const value = row[column] ?? null;
    out[column] =
      column === 'result' && typeof value === 'string'
        ? JSON.parse(value, (k, v) => (k === 'seconds' || k === 'cpuSeconds' ? undefined : v))
        : value;
  }
  return out;
}

export interface StoreOutcome {
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

/** Every key exactly once, each a success. */
export function checkRows(journal: Journal, keys: string[], rows: Record<string, unknown>[]): void {
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

export function outcome(
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
