import { Command } from 'commander';
import { calldataCommand } from './commands/calldata.js';
import { chainCommand } from './commands/chain.js';
import { compileCommand } from './commands/compile.js';
import { deployVerifierCommand } from './commands/deployVerifier.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { engineCommand } from './commands/engine.js';
import { exportCommand } from './commands/export.js';
import { trainCommand } from './commands/train.js';
import { inspectCommand } from './commands/inspect.js';
import { marketCommand } from './commands/market.js';
import { modelCommand } from './commands/model.js';
import { submitCommand } from './commands/submit.js';
import { taskCommand } from './commands/task.js';
import { workerCommand } from './commands/worker.js';
import { proveCommand } from './commands/prove.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT } from './core/errorCodes.js';

export function buildProgram(): Command {
  const program = new Command('pocompute')
    .description(
      'Proof-of-compute for ML models: prove that an ONNX model ran, verify it in Node or on an EVM chain.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [
    demoCommand(),
    compileCommand(),
    proveCommand(),
    verifyCommand(),
    deployVerifierCommand(),
    calldataCommand(),
    chainCommand(),
    marketCommand(),
    modelCommand(),
    taskCommand(),
    submitCommand(),
    workerCommand(),
    trainCommand(),
    exportCommand(),
    inspectCommand(),
    doctorCommand(),
    engineCommand(),
  ]) {
    program.addCommand(command);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.commands.forEach(exitOverrideDeep);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // commander's own usage errors (unknown option, missing argument) exit 2, as documented.
    const code = (error as { code?: string }).code;
    process.exitCode =
      code === 'commander.helpDisplayed' ||
      code === 'commander.version' ||
      code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
  }
}

function exitOverrideDeep(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitOverrideDeep);
}
