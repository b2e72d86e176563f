/** `neuron-pursuit worker`: join a PostgreSQL store's work queue from any machine. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { isPostgresUrl, openStore } from '../io/open-store.js';
import { PostgresRunStore } from '../io/postgres-store.js';
import { whenReachable, workQueue } from '../experiments/queue-worker.js';
import { WorkQueue } from '../experiments/work-queue.js';
import { pointLabel } from './format.js';
import { positiveInteger } from './options.js';
import { connectionsFor, notice, stopOnSignals } from './sweep.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      "run grid points from a PostgreSQL store's work queue (queued by sweep CONFIG --store URL) until stopped",
    )
    .requiredOption('--store <url>', 'postgresql://user:password@host:port/database')
    .option('--workers <n>', 'runs at once (default: all cores)', positiveInteger)
    .option('--until-empty', 'exit once the queue holds no unfinished run (queued, retrying, or running anywhere)')
    .option(
      '--lease <seconds>',
      'how long a run may go without a heartbeat (default: from its expected time)',
      positiveInteger,
    )
    .option('--quiet', 'no line per finished run')
    .action(
      async (opts: { store: string; workers?: number; untilEmpty?: boolean; lease?: number; quiet?: boolean }) => {
        if (!isPostgresUrl(opts.store))
          throw new Error(`--store: '${opts.store}' is not a postgresql:// URL (workers share a PostgreSQL store)`);
        const workers = opts.workers ?? availableParallelism();
        const signal = stopOnSignals();
        // A worker may start while the database restarts or before it is up (a Job's pods, an array of tasks):
        // it waits as it would had it lost the database later. A wrong URL, host or password ends it at once.
        const opened = await whenReachable(
          async () => {
            const store = await openStore(opts.store, { connections: connectionsFor(workers) });
            if (!(store instanceof PostgresRunStore)) throw new Error('unreachable: a URL opens a PostgreSQL store');
            try {
              const queue = await WorkQueue.open(store, {
                lease: opts.lease,
                onError: (err) => notice(`queue maintenance: ${err.message.split('\n')[0]}`),
              });
              return { store, queue };
            } catch (err) {
              await store.close().catch(() => {});
              throw err;
            }
          },
          notice,
          signal,
        );
        if (!opened) return; // stopped before it began
        const { store, queue } = opened;
        try {
          const started = performance.now();
          const outcome = await workQueue(queue, {
            workers,
            until: opts.untilEmpty ? 'empty' : 'never',
            signal,
            onNotice: notice,
            onFinished: (f) => {
              if (opts.quiet) return;
              process.stderr.write(`${pointLabel(f.point)}: ${f.error ? `failed: ${f.error}` : 'done'}\n`);
            },
          });
          const seconds = (performance.now() - started) / 1000;
          const { ran, failed, givenBack, cutOff } = outcome;
          const late = cutOff > 0 ? `, ${cutOff} finished after its lease ran out (taken over meanwhile)` : '';
          const counts = `${ran} run(s) stored (${failed} failed), ${givenBack} given back to the queue${late}`;
          process.stdout.write(`worker ${process.pid}: ${counts}, in ${seconds.toFixed(0)} s\n`);
        } finally {
          await queue.stop();
          await store.close();
        }
      },
    );
}
