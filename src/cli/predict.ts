/** `neuron-pursuit predict`: apply a saved model to the rows of a CSV file. */
import { Command } from 'commander';
import { delimiterFor, formatCsv, selectColumns } from '../io/csv.js';
import { checkDestination, readCsvFile, writeFileAtomic } from '../io/files.js';
import { defaultColumns, featureCount } from '../io/model-format.js';
import { readModelFile } from '../io/run-folder.js';
import { collect, delimiter } from './options.js';

export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'predict with a saved model; a model trained on CSV data reads its feature columns by name, wherever they ' +
        'stand: a missing one, or a column it never saw (other than its targets), is an error',
    )
    .requiredOption('--model <model.json>', 'a model written by train (required)')
    .requiredOption('--data <x.csv>', 'inputs: a header row, then one row per point (required)')
    .option('--drop <column>', 'a column of --data to ignore, e.g. an id (repeat for more)', collect)
    .option('--delimiter <c>', "one character or 'tab' (default: tab for .tsv files, else comma)", delimiter)
    .option('--out <y.csv>', 'write predictions here, with the delimiter of --data (default: stdout)')
    .action((opts: { model: string; data: string; drop?: string[]; delimiter?: string; out?: string }) => {
      if (opts.out !== undefined) checkDestination(opts.out, 'file');
      const model = readModelFile(opts.model);
      const { network: net, features, targets } = model;
      const sep = opts.delimiter ?? delimiterFor(opts.data);
      const table = readCsvFile(opts.data, sep);
      const drop = opts.drop ?? [];
      // A model trained on a task has no column names: every column not dropped is an input, in order.
      const { X } = features
        ? selectColumns(table, { features, targets: targets ?? [], drop }, opts.data)
        : selectColumns(table, { targets: [], drop }, opts.data);
      const d = featureCount(model);
      if (X.cols !== d) throw new Error(`${opts.data} has ${X.cols} feature columns, the model takes ${d}`);
      const predictions = model.predict(X);
      const bad = predictions.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new Error(
          `${opts.data} line ${table.lines[Math.floor(bad / predictions.cols)]}: the prediction is ` +
            `${predictions.data[bad]} (it overflows float64: inputs or weights far beyond those of training?)`,
        );
      const csv = formatCsv(targets ?? defaultColumns(d, net.outputDim).targets, predictions, sep);
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
    });
}
