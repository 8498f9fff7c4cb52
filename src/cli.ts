import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT } from './core/errorCodes.js';
import { PocomputeError } from './core/errors.js';
import { PACKAGE_ROOT } from './core/paths.js';
import { Reporter } from './core/output.js';
import { COMMAND_EXAMPLES } from './commands/examples.js';

type CommandModule = () => Promise<Command>;

/**
 * Each command's module, loaded only when that command runs: `verify` must not pay for solc,
 * ethers or onnxruntime that it never uses. Help and unknown commands load them all.
 */
const COMMANDS: Record<string, CommandModule> = {
  demo: () => import('./commands/demo.js').then((m) => m.demoCommand()),
  compile: () => import('./commands/compile.js').then((m) => m.compileCommand()),
  prove: () => import('./commands/prove.js').then((m) => m.proveCommand()),
  split: () => import('./commands/split.js').then((m) => m.splitCommand()),
  verify: () => import('./commands/verify.js').then((m) => m.verifyCommand()),
  'deploy-verifier': () =>
    import('./commands/deployVerifier.js').then((m) => m.deployVerifierCommand()),
  calldata: () => import('./commands/calldata.js').then((m) => m.calldataCommand()),
  chain: () => import('./commands/chain.js').then((m) => m.chainCommand()),
  market: () => import('./commands/market.js').then((m) => m.marketCommand()),
  model: () => import('./commands/model.js').then((m) => m.modelCommand()),
  task: () => import('./commands/task.js').then((m) => m.taskCommand()),
  submit: () => import('./commands/submit.js').then((m) => m.submitCommand()),
  worker: () => import('./commands/worker.js').then((m) => m.workerCommand()),
  watch: () => import('./commands/watch.js').then((m) => m.watchCommand()),
  train: () => import('./commands/train.js').then((m) => m.trainCommand()),
  export: () => import('./commands/export.js').then((m) => m.exportCommand()),
  inspect: () => import('./commands/inspect.js').then((m) => m.inspectCommand()),
  cache: () => import('./commands/cache.js').then((m) => m.cacheCommand()),
  doctor: () => import('./commands/doctor.js').then((m) => m.doctorCommand()),
  engine: () => import('./commands/engine.js').then((m) => m.engineCommand()),
};

export const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'),
).version;

/** The program with the named commands (all of them when `only` is not given). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('pocompute')
    .description(
      'Proof-of-compute for ML models: prove that an ONNX model ran, verify it in Node or on an EVM chain.',
    )
    .version(PACKAGE_VERSION, '-v, --version', 'print the version')
    .showHelpAfterError()
    .addHelpText('after', `\nExamples:\n${indent(COMMAND_EXAMPLES.pocompute)}`);
  const names = only && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]()))) {
    program.addCommand(command);
  }
  for (const command of program.commands) addExamples(command, command.name());
  return program;
}

function addExamples(command: Command, path: string): void {
  const examples = COMMAND_EXAMPLES[path];
  if (examples) command.addHelpText('after', `\nExamples:\n${indent(examples)}`);
  for (const sub of command.commands) addExamples(sub, `${path} ${sub.name()}`);
}

const indent = (lines: string[]) => lines.map((l) => `  $ ${l}`).join('\n');

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const program = await buildProgram(argv[2]);
  // Under --json, commander's own usage errors become the same {"ok": false, …} document as any
  // other failure, on stdout; its plain text is not printed.
  if (json) program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  forEachCommand(program, (command) => {
    command.exitOverride();
    if (json) command.configureOutput({ writeErr: () => {}, outputError: () => {} });
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) {
      process.exitCode = EXIT.ok;
      return;
    }
    // commander's usage errors (unknown option, missing argument) exit 2, as documented.
    const message = error.message.replace(/^error:\s*/, '');
    process.exitCode = json
      ? new Reporter({ json: true }).failure(new PocomputeError('USAGE', message))
      : EXIT.usage;
  }
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}
