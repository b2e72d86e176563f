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
 * NP_TEST_PG_CONTROL (scripts/with-postgres.sh sets both) for PostgreSQL. The halves: chaos-postgres.ts,
 * chaos-sqlite.ts; what they share: chaos-kit.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cli, comparable, type Profile, Rounds, type StoreOutcome } from './chaos-kit.js';
import { chaosPostgres } from './chaos-postgres.js';
import { chaosSqlite } from './chaos-sqlite.js';

/** How long and how hard: the full run, and the short one npm test runs (test/chaos.test.ts). */
const PROFILES: Record<'full' | 'short', Profile> = {
  full: {
    minutes: 10,
    seedsPerRound: 10,
    // long beside a heartbeat (a quarter of it) on a loaded machine; a pause outlasts it on purpose
    lease: 30,
    gap: [6, 20],
    stall: [3, 15],
    down: [1, 8],
    sqlitePause: [2, 15],
    cycles: 2, // so the server restarts twice at least
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
