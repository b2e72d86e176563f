/**
 * The PostgreSQL half of the chaos run (bench/chaos.ts): 4 `worker` processes of one run at a time work the
 * grid's rounds through a TCP proxy (bench/tcp-proxy.ts) while the seeded schedule kills, stops and pauses
 * them, restarts the server, and terminates, resets, stalls and silences their connections; then every job
 * must be completed, every point stored once, no claim left, and every worker stop cleanly.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { QUEUE, QUEUE_SCHEMA } from '../src/experiments/work-queue.js';
import { Rng } from '../src/linalg/rng.js';
import {
  between,
  checkRows,
  cli,
  command,
  Journal,
  outcome,
  Proc,
  type Profile,
  retrying,
  Rounds,
  runSchedule,
  Schedule,
  sleep,
  STALL_LIMIT_S,
  type StoreOutcome,
} from './chaos-kit.js';
import { TcpProxy } from './tcp-proxy.js';

const PG_WORKERS = 4;
/** The faults, a cycle of them (`kill` comes twice). */
const PG_FAULTS = ['kill', 'kill', 'sigterm', 'pause', 'restart', 'terminate', 'reset', 'stall', 'silence'] as const;

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

export async function chaosPostgres(profile: Profile, seed: number, out: string): Promise<StoreOutcome> {
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
