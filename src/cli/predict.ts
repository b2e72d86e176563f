/** `neuron-pursuit predict`: apply a saved model to the rows of a CSV file. */
import { Command } from 'commander';
import { formatCsv, parseCsv, splitColumns, tableToMatrix } from '../io/csv.js';
import { readText, writeFileAtomic } from '../io/files.js';
import { readModelFile } from '../io/run-folder.js';

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict with a saved model')
    .requiredOption('--model <model.json>', 'a model written by train')
    .requiredOption('--data <x.csv>', 'inputs: a header row, then one row per point')
    .option('--out <y.csv>', 'write predictions here (default: stdout)')
    .action((opts: { model: string; data: string; out?: string }) => {
      const { network: net, features, targets } = readModelFile(opts.model);
      const table = parseCsv(readText(opts.data), opts.data);
      // A model trained on CSV data reads its feature columns by name; otherwise every column is a feature.
      const X = features?.every((f) => table.columns.includes(f))
        ? splitColumns(table, [], opts.data, features).X
        : tableToMatrix(table);
      if (X.cols !== net.inputDim) {
        throw new Error(`${opts.data} has ${X.cols} feature columns, the model takes ${net.inputDim}`);
      }
      const csv = formatCsv(targets ?? outputNames(net.outputDim), net.forward(X));
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
    });
}

function outputNames(m: number): string[] {
  return m === 1 ? ['y'] : Array.from({ length: m }, (_, i) => `y${i + 1}`);
}
