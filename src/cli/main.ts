#!/usr/bin/env node
/** The `neuron-pursuit` command. Every failure is one line on stderr and a non-zero exit. */
import { Command, CommanderError } from 'commander';
import { diagonalCommand } from './diagonal.js';
import { exportCommand } from './export.js';
import { inspectCommand } from './inspect.js';
import { predictCommand } from './predict.js';
import { saddleCommand } from './saddle.js';
import { trainCommand } from './train.js';
import { reportCommand } from './report.js';
import { mergeCommand, runsCommand, sweepCommand } from './sweep.js';
import { PACKAGE_VERSION } from '../io/code-version.js';
// The native kernels where the install built them (else WebAssembly): registered on import.
import '../native/kernels-native.js';

const program = new Command('neuron-pursuit')
  .description('Grow deep homogeneous networks one neuron at a time (Neuron Pursuit).')
  .version(PACKAGE_VERSION)
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(oneLine(text)) });
for (const cmd of [
  trainCommand(),
  predictCommand(),
  exportCommand(),
  sweepCommand(),
  runsCommand(),
  mergeCommand(),
  reportCommand(),
  inspectCommand(),
  saddleCommand(),
  diagonalCommand(),
]) {
  program.addCommand(cmd.exitOverride().configureOutput({ outputError: (text, write) => write(oneLine(text)) }));
}

/** Commander's messages (and their suggestions) as one line. */
function oneLine(text: string): string {
  return `neuron-pursuit: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`neuron-pursuit: error: ${String((err as Error).message ?? err).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}
