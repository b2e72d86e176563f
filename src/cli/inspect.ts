/** `neuron-pursuit inspect RUN_DIR`: the KKT diagnostics of every NP iteration of a run. */
import { join } from 'node:path';
import { Command } from 'commander';
import { readHistoryFile } from '../io/run-folder.js';
import { isIterationHistory } from '../io/run-format.js';
import { sci, table } from './format.js';

export function inspectCommand(): Command {
  return new Command('inspect')
    .description(
      'KKT diagnostics of a run written by train --out: per iteration the chosen NCF value and its share of ' +
        'its bound, the KKT residual, the restarts, the best single neuron per layer and path per family, balancedness',
    )
    .argument('<run-dir>', 'a folder with history.json')
    .option('--json', 'print the diagnostics as JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      const { history } = readHistoryFile(dir);
      if (!isIterationHistory(history)) {
        const expected = "expected NP's iteration records, as written by train --out";
        throw new Error(`${join(dir, 'history.json')} does not hold an NP history (${expected})`);
      }
      const rows = history.map((r) => ({
        iteration: r.iteration,
        layers: r.layers,
        ncfValue: r.ncfValue,
        ncfRelative: r.ncfRelative,
        kktResidual: r.kktResidual,
        restartsAtBest: r.restartsAtBest,
        restartValues: r.restartValues,
        layerValues: r.layerValues,
        pathValues: r.pathValues ?? [],
        balancedness: r.balancedness.map((layer) => ({ min: Math.min(...layer), max: Math.max(...layer) })),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const out = table(
        [
          'iter',
          'layer',
          'NCF',
          'of bound',
          'KKT res',
          'at best',
          'restart values min / median / max',
          'best per layer',
          'best per path',
          'balancedness per layer (min–max)',
        ],
        rows.map((r) => [
          String(r.iteration),
          r.layers.join(',') || '—',
          sci(r.ncfValue),
          r.ncfRelative === undefined ? '' : sci(r.ncfRelative, 1),
          sci(r.kktResidual, 1),
          String(r.restartsAtBest),
          r.restartValues
            ? `${sci(r.restartValues.min)} / ${sci(r.restartValues.median)} / ${sci(r.restartValues.max)}`
            : '',
          r.layerValues.map((v) => sci(v)).join(' ') || '—',
          r.pathValues.map((v) => sci(v)).join(' ') || '—',
          r.balancedness.map((b) => `${b.min.toPrecision(3)}–${b.max.toPrecision(3)}`).join('  '),
        ]),
      );
      process.stdout.write(`${out}\n`);
    });
}
