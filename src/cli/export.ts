/** `neuron-pursuit export`: a saved model in a format other tools run (ONNX). */
import { Command, Option } from 'commander';
import { type OnnxDtype, type OnnxLayout, ONNX_LAYOUTS, ONNX_OPSET, networkToOnnx } from '../export/onnx.js';
import { writeFileAtomic } from '../io/files.js';
import { readModelFile } from '../io/run-folder.js';

export function exportCommand(): Command {
  return new Command('export')
    .description(
      "write a saved model as an ONNX model: one input 'input' [N, d], one output 'output' [N, m], the columns' " +
        'names in its metadata',
    )
    .requiredOption('--model <model.json>', 'a model written by train')
    .requiredOption('--out <file>', 'the file to write (m.onnx)')
    .addOption(new Option('--format <format>', 'the format to write').choices(['onnx']).default('onnx'))
    .addOption(
      new Option('--dtype <dtype>', 'element type (float32 for runtimes without double kernels)')
        .choices(['float64', 'float32'])
        .default('float64'),
    )
    .addOption(
      new Option(
        '--layout <layout>',
        'tensor: one [N, d] input and one [N, m] output; columns: one [N, 1] input per feature and output per ' +
          'target, named by the columns',
      )
        .choices(ONNX_LAYOUTS)
        .default('tensor'),
    )
    .action((opts: { model: string; out: string; dtype: OnnxDtype; layout: OnnxLayout }) => {
      const { network, features, targets, preprocessing } = readModelFile(opts.model);
      const { dtype, layout } = opts;
      writeFileAtomic(opts.out, networkToOnnx(network, { dtype, layout, features, targets, preprocessing }));
      const what = `ONNX opset ${ONNX_OPSET}, ${dtype}, ${layout} layout, widths [${network.widths}]`;
      process.stdout.write(`${opts.out}: ${what}\n`);
    });
}
