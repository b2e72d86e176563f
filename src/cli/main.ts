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
import { compareCommand } from './compare.js';
import { reproduceCommand } from './reproduce.js';
import { mergeCommand, runsCommand, sweepCommand } from './sweep.js';
import { workerCommand } from './worker.js';
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
  workerCommand(),
  runsCommand(),
  mergeCommand(),
  reportCommand(),
  reproduceCommand(),
  compareCommand(),
  inspectCommand(),
  saddleCommand(),
  diagonalCommand(),
]) {
  program.addCommand(cmd.exitOverride().configureOutput({ outputError: (text, write) => write(oneLine(text)) }));
  suggestCompletions(cmd);
}

/**
 * Commander suggests a similar option only within a small edit distance, so a shortened one ('--max-iter') got
 * none: an unknown option that begins one of the command's options is answered with it, as Commander words it.
 */
function suggestCompletions(cmd: Command): void {
  const handler = cmd as unknown as { unknownOption(flag: string): void };
  const commanders = handler.unknownOption.bind(cmd);
  handler.unknownOption = (flag: string) => {
    const longs = cmd.options.flatMap((o) => (o.long && !o.hidden ? [o.long] : []));
    const completions = flag.startsWith('--') ? longs.filter((long) => long.startsWith(flag)) : [];
    if (completions.length === 0) return commanders(flag);
    cmd.error(`error: unknown option '${flag}' (Did you mean ${completions.join(' or ')}?)`, {
      code: 'commander.unknownOption',
    });
  };
}

/** Commander's messages (and their suggestions) as one line. */
function oneLine(text: string): string {
  return `neuron-pursuit: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

// A reader that stops early (`predict … | head -1`) closes the pipe: that is no error, so end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit();
  });
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
