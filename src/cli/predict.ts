/** `neuron-pursuit predict`: apply a saved model to the rows of a CSV file. */
import { Command } from 'commander';
import { Network } from '../model/network.js';
import { formatCsv, parseCsv, splitColumns, tableToMatrix } from '../io/csv.js';
import { writeFileAtomic } from '../io/files.js';
import { readText } from './train.js';

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict with a saved model')
    .requiredOption('--model <model.json>', 'a model written by train')
    .requiredOption('--data <x.csv>', 'inputs: a header row, then one row per point')
    .option('--out <y.csv>', 'write predictions here (default: stdout)')
    .action((opts: { model: string; data: string; out?: string }) => {
      let json: unknown;
      try {
        json = JSON.parse(readText(opts.model));
      } catch (err) {
        if (err instanceof SyntaxError) throw new Error(`invalid model file: ${opts.model} is not valid JSON`);
        throw err;
      }
      const net = Network.fromJSON(json);
      const meta = json as { features?: unknown; targets?: unknown };
      const table = parseCsv(readText(opts.data), opts.data);
      const features = Array.isArray(meta.features) ? (meta.features as string[]) : undefined;
      const X = features && features.every((f) => table.columns.includes(f)) ? splitColumns(table, [], opts.data, features).X : tableToMatrix(table);
      if (X.cols !== net.inputDim) {
        throw new Error(`${opts.data} has ${X.cols} feature columns, the model takes ${net.inputDim}`);
      }
      const targets = Array.isArray(meta.targets) && meta.targets.length === net.outputDim ? (meta.targets as string[]) : outputNames(net.outputDim);
      const csv = formatCsv(targets, net.forward(X));
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
    });
}

function outputNames(m: number): string[] {
  return m === 1 ? ['y'] : Array.from({ length: m }, (_, i) => `y${i + 1}`);
}
