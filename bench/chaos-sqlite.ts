/**
 * The SQLite half of the chaos run (bench/chaos.ts): 2 `sweep` processes of 2 threads each on one file work
 * the grid's rounds while the seeded schedule SIGKILLs one (started again), pauses one, and reads the store
 * meanwhile; then the file must pass its integrity check and hold every point once, with no claim left.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Rng } from '../src/linalg/rng.js';
import {
  between,
  checkRows,
  cli,
  Journal,
  outcome,
  Proc,
  type Profile,
  Rounds,
  runSchedule,
  Schedule,
  sleep,
  STALL_LIMIT_S,
  type StoreOutcome,
} from './chaos-kit.js';

const SQLITE_SWEEPS = 2;
const SQLITE_THREADS = 2;
/** The faults, a cycle of them (`kill` comes twice). */
const SQLITE_FAULTS = ['kill', 'kill', 'pause', 'read'] as const;

export async function chaosSqlite(profile: Profile, seed: number, out: string): Promise<StoreOutcome> {
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
export function countRows(file: string): number | null {
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
