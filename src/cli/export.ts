/** `neuron-pursuit export`: a saved model in a format other tools run (ONNX). */
import { Command, Option } from 'commander';
import { type OnnxDtype, ONNX_OPSET, networkToOnnx } from '../export/onnx.js';
import { writeFileAtomic } from '../io/files.js';
import { readModelFile } from '../io/run-folder.js';

export function exportCommand(): Command {
  return new Command('export')
    .description('write a saved model as an ONNX model (inputs and outputs named by its columns)')
    .requiredOption('--model <model.json>', 'a model written by train')
    .requiredOption('--out <file>', 'the file to write (m.onnx)')
    .addOption(new Option('--format <format>', 'the format to write').choices(['onnx']).default('onnx'))
    .addOption(
      new Option('--dtype <dtype>', 'element type (float32 for runtimes without double kernels)')
        .choices(['float64', 'float32'])
        .default('float64'),
    )
    .action((opts: { model: string; out: string; dtype: OnnxDtype }) => {
      const { network, features, targets, preprocessing } = readModelFile(opts.model);
      writeFileAtomic(opts.out, networkToOnnx(network, { dtype: opts.dtype, features, targets, preprocessing }));
      process.stdout.write(`${opts.out}: ONNX opset ${ONNX_OPSET}, ${opts.dtype}, widths [${network.widths}]\n`);
    });
}
