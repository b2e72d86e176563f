#!/usr/bin/env node
/** The `neuron-pursuit` command. Every failure is one line on stderr and a non-zero exit. */
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../io/code-version.js';
// The native kernels where the install built them (else WebAssembly): registered on import.
import '../native/kernels-native.js';

const program = new Command('neuron-pursuit')
  .description('Grow deep homogeneous networks one neuron at a time (Neuron Pursuit).')
  .version(PACKAGE_VERSION)
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(oneLine(text)) });
/**
 * The commands, each imported only when it runs (all of them for help or a mistyped name): `train` then starts
 * without the report's figures or the stores' drivers, which the Python estimators, one process per fit, notice.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./train.js')).trainCommand(),
  predict: async () => (await import('./predict.js')).predictCommand(),
  export: async () => (await import('./export.js')).exportCommand(),
  sweep: async () => (await import('./sweep.js')).sweepCommand(),
  worker: async () => (await import('./worker.js')).workerCommand(),
  runs: async () => (await import('./sweep.js')).runsCommand(),
  merge: async () => (await import('./sweep.js')).mergeCommand(),
  report: async () => (await import('./report.js')).reportCommand(),
  reproduce: async () => (await import('./reproduce.js')).reproduceCommand(),
  compare: async () => (await import('./compare.js')).compareCommand(),
  inspect: async () => (await import('./inspect.js')).inspectCommand(),
  saddle: async () => (await import('./saddle.js')).saddleCommand(),
  diagonal: async () => (await import('./diagonal.js')).diagonalCommand(),
};
const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const cmd of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) {
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
  // Without a command Commander prints its whole help as an error: a failure is one line here.
  if (process.argv.length <= 2) {
    const commands = program.commands.map((c) => c.name()).join(', ');
    throw new Error(`no command given (${commands}); neuron-pursuit --help says what each does`);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    // One line whatever the message holds (every message should be one line already: this is the safety net).
    const message = String((err as Error).message ?? err)
      .trim()
      .replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');
    process.stderr.write(`neuron-pursuit: error: ${message}\n`);
    process.exitCode = 1;
  }
}
