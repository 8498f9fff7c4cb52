import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT } from './core/errorCodes.js';
import { PocomputeError } from './core/errors.js';
import { PACKAGE_ROOT } from './core/paths.js';
import { Reporter } from './core/output.js';
import { COMMAND_EXAMPLES } from './commands/examples.js';
import { prestartFloatReferenceThread } from './prover/floatReferenceThread.js';

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
  receipt: () => import('./commands/receipt.js').then((m) => m.receiptCommand()),
  check: () => import('./commands/check.js').then((m) => m.checkCommand()),
  page: () => import('./commands/page.js').then((m) => m.pageCommand()),
  'deploy-verifier': () =>
    import('./commands/deployVerifier.js').then((m) => m.deployVerifierCommand()),
  calldata: () => import('./commands/calldata.js').then((m) => m.calldataCommand()),
  chain: () => import('./commands/chain.js').then((m) => m.chainCommand()),
  market: () => import('./commands/market.js').then((m) => m.marketCommand()),
  model: () => import('./commands/model.js').then((m) => m.modelCommand()),
  task: () => import('./commands/task.js').then((m) => m.taskCommand()),
  bounty: () => import('./commands/bounty.js').then((m) => m.bountyCommand()),
  submit: () => import('./commands/submit.js').then((m) => m.submitCommand()),
  worker: () => import('./commands/worker.js').then((m) => m.workerCommand()),
  watch: () => import('./commands/watch.js').then((m) => m.watchCommand()),
  train: () => import('./commands/train.js').then((m) => m.trainCommand()),
  export: () => import('./commands/export.js').then((m) => m.exportCommand()),
  'export-key': () => import('./commands/exportKey.js').then((m) => m.exportKeyCommand()),
  inspect: () => import('./commands/inspect.js').then((m) => m.inspectCommand()),
  cache: () => import('./commands/cache.js').then((m) => m.cacheCommand()),
  doctor: () => import('./commands/doctor.js').then((m) => m.doctorCommand()),
  engine: () => import('./commands/engine.js').then((m) => m.engineCommand()),
  completion: () => import('./commands/completion.js').then((m) => m.completionCommand()),
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
    .addHelpText('after', `\nExamples:\n${indent(COMMAND_EXAMPLES.pocompute)}`);
  // `completion` describes every command, so it loads them all (as help does).
  const names = only && only in COMMANDS && only !== 'completion' ? [only] : Object.keys(COMMANDS);
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
  await runCommand(argv);
  // A verdict printed is a verify finished: the process ends once its output is written, not once
  // V8's background threads finish compiling the in-process EVM's interpreter, which Node waits for
  // (≈ 10–15 ms of a 0.2–0.3 s verify: docs/benchmarks.md, "verify, for CI").
  if (argv[2] === 'verify') await exitOnceWritten();
}

async function runCommand(argv: string[]): Promise<void> {
  // onnxruntime starts (its own thread) for prove's float reference while prove's modules load.
  if (argv[2] === 'prove') prestartFloatReferenceThread(argv.slice(3));
  exitQuietlyOnClosedPipe();
  const json = argv.includes('--json');
  const program = await buildProgram(argv[2]);
  // commander's own usage errors are printed as any other failure: under --json the same
  // {"ok": false, …} document on stdout, otherwise `error USAGE: …` with a hint on stderr.
  const silent = { writeErr: () => {}, outputError: () => {} };
  forEachCommand(program, (command) => {
    command.exitOverride();
    if (json) command.configureOutput(silent);
    else command.configureOutput({ outputError: () => {} });
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const reporter = new Reporter({ json });
    if (!(error instanceof CommanderError)) {
      process.exitCode = reporter.failure(error);
      return;
    }
    const help = ['commander.helpDisplayed', 'commander.help'].includes(error.code);
    if (error.code === 'commander.version' || (help && error.exitCode === 0)) {
      process.exitCode = EXIT.ok;
      return;
    }
    // Help shown with a non-zero code is help because a command was missing (`pocompute`,
    // `pocompute market`): a usage error, exit 2, as every other.
    const usage = help
      ? new PocomputeError('USAGE', 'a command is missing', {
          hint: `Run \`${commandPath(program, argv)} --help\` to see the commands.`,
        })
      : new PocomputeError('USAGE', error.message.replace(/^error:\s*/, ''), {
          hint: `Run \`${commandPath(program, argv)} --help\` to see its options.`,
        });
    process.exitCode = reporter.failure(usage);
  }
}

/** `pocompute` and the command words the user typed (`pocompute market deploy`). */
function commandPath(program: Command, argv: string[]): string {
  const words = ['pocompute'];
  let command = program;
  for (const word of argv.slice(2)) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    words.push(word);
    command = sub;
  }
  return words.join(' ');
}

/**
 * Ends the process with its exit code once stdout and stderr have written what they hold: an empty
 * write's callback runs after every write before it (where writes are asynchronous: a Windows
 * terminal, a pipe a slow reader has filled).
 */
async function exitOnceWritten(): Promise<never> {
  for (const stream of [process.stdout, process.stderr])
    await new Promise<void>((resolve) => stream.write('', () => resolve()));
  process.exit(process.exitCode ?? EXIT.ok);
}

/**
 * `pocompute --help | head` closes the pipe before we finish writing: that is the reader's choice,
 * not an error, so the process ends quietly (no EPIPE stack trace).
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
      throw error;
    });
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}
