import type { Command } from 'commander';
import { Reporter } from './output.js';

// Option parsing lives in options.ts so that library code can use it without the CLI layer.
export { parseOptions } from './options.js';

export interface GlobalOptions {
  json?: boolean;
}

/** Adds the options every command shares. */
export function withCommonOptions(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout and nothing else');
}

/**
 * Runs a command body with a Reporter and turns any failure into its documented exit code.
 * The body returns the exit code for outcomes that are not errors (e.g. 1 for "invalid").
 */
export async function runCommand(
  options: GlobalOptions,
  body: (reporter: Reporter) => Promise<number> | Promise<void>,
): Promise<void> {
  const reporter = new Reporter({ json: Boolean(options.json) });
  try {
    const code = await body(reporter);
    process.exitCode = code ?? 0;
  } catch (error) {
    process.exitCode = reporter.failure(error);
  }
}
