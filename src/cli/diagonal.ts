/** `neuron-pursuit diagonal`: NP, OMP and small-initialization GD on a diagonal linear network, side by side. */
import { Command } from 'commander';
import { Rng } from '../linalg/rng.js';
import { type Matrix, column } from '../linalg/matrix.js';
import type { SparseSolution } from '../baselines/sparse-fit.js';
import { sparseInstance } from '../baselines/diagonal.js';
import { ALGORITHMS } from '../estimators/registry.js';
import { splitColumns } from '../io/csv.js';
import { readCsvFile } from '../io/files.js';
import { sci, table } from './format.js';
import { delimiter, integer, positiveInteger } from './options.js';

export function diagonalCommand(): Command {
  return new Command('diagonal')
    .description('NP, OMP and small-init GD (min-ℓ1) on the diagonal network Σ u_j v_j x_j (paper D.5)')
    .option('--n <n>', 'rows (measurements) of the random instance', positiveInteger, 10)
    .option('--d <d>', 'atoms (columns) of the random instance', positiveInteger, 20)
    .option('--sparsity <s>', 'non-zeros of the planted coefficients', positiveInteger, 3)
    .option('--seed <s>', 'seed of the random instance', integer, 0)
    .option('--data <file.csv>', 'your own dictionary: one column per atom, plus the target column')
    .option('--target <column>', 'the target column of --data')
    .option(
      '--delimiter <c>',
      "--data's delimiter: one character or 'tab' (default: tab for .tsv, else comma)",
      delimiter,
    )
    .option('--json', 'print {np, omp, gd} as JSON, nothing else')
    .action(
      (opts: {
        n: number;
        d: number;
        sparsity: number;
        seed: number;
        data?: string;
        target?: string;
        delimiter?: string;
        json?: boolean;
      }) => {
        let X: Matrix, y: Float64Array, names: string[], truth: Float64Array | undefined;
        if (opts.data !== undefined) {
          if (!opts.target) throw new Error('--data needs --target COLUMN');
          const split = splitColumns(readCsvFile(opts.data, opts.delimiter), [opts.target], opts.data);
          X = split.X;
          y = split.Y.data;
          names = split.features;
          if (y.every((v) => v === 0)) throw new Error('the target is zero everywhere: there is nothing to learn');
        } else {
          if (opts.sparsity > opts.d) throw new Error(`--sparsity ${opts.sparsity} exceeds --d ${opts.d}`);
          const instance = sparseInstance(opts.n, opts.d, opts.sparsity, new Rng(opts.seed, 'diagonal'));
          X = instance.X;
          y = instance.y;
          truth = instance.beta;
          names = Array.from({ length: opts.d }, (_, j) => `x${j}`);
        }
        const solve = (name: 'diagonal-np' | 'omp' | 'diagonal-gd') =>
          ALGORITHMS[name].create({}).fit(X, column(y)).solution;
        const result = { np: solve('diagonal-np'), omp: solve('omp'), gd: solve('diagonal-gd') };
        if (opts.json) {
          const plain = (s: SparseSolution) => ({
            support: s.support,
            coefficients: s.coefficients,
            l1: s.l1,
            residual: s.residual,
          });
          process.stdout.write(
            `${JSON.stringify({ np: plain(result.np), omp: plain(result.omp), gd: plain(result.gd) })}\n`,
          );
          return;
        }
        process.stdout.write(`${report(result, names, truth)}\n`);
      },
    );
}

function report(
  r: { np: SparseSolution; omp: SparseSolution; gd: SparseSolution },
  names: string[],
  truth?: Float64Array,
): string {
  const methods: [string, SparseSolution][] = [
    [ALGORITHMS['diagonal-np'].label, r.np],
    [ALGORITHMS.omp.label, r.omp],
    [ALGORITHMS['diagonal-gd'].label, r.gd],
  ];
  const summary = table(
    ['method', 'atoms', 'ℓ1', 'residual', 'support (selection order)'],
    methods.map(([name, s]) => [
      name,
      String(s.support.length),
      s.l1.toFixed(4),
      sci(s.residual),
      s.support.map((j) => names[j]).join(' '),
    ]),
  );
  const columns = [
    ...new Set([
      ...r.omp.support,
      ...r.np.support,
      ...r.gd.support,
      ...(truth ? [...truth.keys()].filter((j) => truth[j] !== 0) : []),
    ]),
  ].sort((a, b) => a - b);
  const coefficients = table(
    ['atom', ...(truth ? ['planted'] : []), 'NP', 'OMP', 'GD'],
    columns.map((j) => [
      names[j]!,
      ...(truth ? [fmt(truth[j]!)] : []),
      fmt(r.np.coefficients[j]!),
      fmt(r.omp.coefficients[j]!),
      fmt(r.gd.coefficients[j]!),
    ]),
  );
  const sameOrder =
    r.np.support.length === r.omp.support.length && r.np.support.every((j, k) => j === r.omp.support[k]);
  const gap = Math.max(...r.np.coefficients.map((c, j) => Math.abs(c - r.omp.coefficients[j]!)));
  const sameSupport =
    new Set(r.gd.support).size === new Set(r.omp.support).size && r.gd.support.every((j) => r.omp.support.includes(j));
  const order = sameOrder ? 'same atoms in the same order' : 'different atoms or order';
  const support = sameSupport ? 'has the same support as' : 'differs from';
  const lines = [
    summary,
    '',
    coefficients,
    '',
    `NP ${sameOrder ? '=' : '≠'} OMP: ${order}, largest coefficient gap ${sci(gap)}`,
    `min-ℓ1 (small-init GD) ${support} OMP: ℓ1 ${r.gd.l1.toFixed(4)} against ${r.omp.l1.toFixed(4)}`,
  ];
  return lines.join('\n');
}

function fmt(v: number): string {
  return Math.abs(v) < 5e-5 ? '·' : v.toFixed(4);
}
