/** `neuron-pursuit worker`: join a PostgreSQL store's work queue from any machine. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { isPostgresUrl, openStore } from '../io/open-store.js';
import { PostgresRunStore } from '../io/postgres-store.js';
import { workQueue } from '../experiments/queue-worker.js';
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
        const store = await openStore(opts.store, { connections: connectionsFor(workers) });
        if (!(store instanceof PostgresRunStore)) throw new Error('unreachable: a URL opens a PostgreSQL store');
        try {
          const queue = await WorkQueue.open(store, {
            lease: opts.lease,
            onError: (err) => notice(`queue maintenance: ${err.message.split('\n')[0]}`),
          });
          try {
            const started = performance.now();
            const outcome = await workQueue(queue, {
              workers,
              until: opts.untilEmpty ? 'empty' : 'never',
              signal: stopOnSignals(),
              onNotice: notice,
              onFinished: (f) => {
                if (opts.quiet) return;
                process.stderr.write(`${pointLabel(f.point)}: ${f.error ? `failed: ${f.error}` : 'done'}\n`);
              },
            });
            const seconds = (performance.now() - started) / 1000;
            const { ran, failed, givenBack } = outcome;
            const counts = `${ran} run(s) stored (${failed} failed), ${givenBack} given back to the queue`;
            process.stdout.write(`worker ${process.pid}: ${counts}, in ${seconds.toFixed(0)} s\n`);
          } finally {
            await queue.stop();
          }
        } finally {
          await store.close();
        }
      },
    );
}
