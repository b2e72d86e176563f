/** `neuron-pursuit predict`: apply a saved model to the rows of a CSV file. */
import { Command } from 'commander';
import { formatCsv, parseCsv, splitColumns, tableToMatrix } from '../io/csv.js';
import { readText, writeFileAtomic } from '../io/files.js';
import { defaultColumns, featureCount, modelPredict } from '../io/model-format.js';
import { readModelFile } from '../io/run-folder.js';

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict with a saved model')
    .requiredOption('--model <model.json>', 'a model written by train')
    .requiredOption('--data <x.csv>', 'inputs: a header row, then one row per point')
    .option('--out <y.csv>', 'write predictions here (default: stdout)')
    .action((opts: { model: string; data: string; out?: string }) => {
      const model = readModelFile(opts.model);
      const { features, targets, network } = model;
      const table = parseCsv(readText(opts.data), opts.data);
      // A model trained on CSV data reads its feature columns by name; otherwise every column is a feature.
      const X = features?.every((f) => table.columns.includes(f))
        ? splitColumns(table, [], opts.data, features).X
        : tableToMatrix(table);
      const d = featureCount(model);
      if (X.cols !== d) throw new Error(`${opts.data} has ${X.cols} feature columns, the model takes ${d}`);
      const csv = formatCsv(targets ?? defaultColumns(d, network.outputDim).targets, modelPredict(model, X));
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
    });
}
