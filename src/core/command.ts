import type { Command } from 'commander';
import type { z } from 'zod';
import { PocomputeError } from './errors.js';
import { Reporter } from './output.js';

export interface GlobalOptions {
  json?: boolean;
}

/** Adds the options every command shares. */
export function withCommonOptions(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout and nothing else');
}

/** Validates a command's options with its zod schema; the first problem becomes a one-line usage error. */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = issue.path.length
    ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    : 'options';
  const hint = issue.code === 'custom' ? issue.params?.hint : undefined;
  throw new PocomputeError('OPTION_INVALID', `${name}: ${issue.message}`, {
    ...(typeof hint === 'string' ? { hint } : {}),
  });
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
