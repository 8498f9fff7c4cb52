import { defineOptions, flag, type OptionsOf } from './cliOptions.js';
import { Reporter } from './output.js';

// Option parsing lives in options.ts so that library code can use it without the CLI layer.
export { parseOptions } from './options.js';

/** The options every command shares. */
export const commonOptions = defineOptions({
  json: flag('print one JSON document on stdout and nothing else'),
});
export type GlobalOptions = OptionsOf<typeof commonOptions>;

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
