import type { Command } from 'commander';
import { z } from 'zod';
import type { Reporter } from '../core/output.js';
import { stopsGracefullyOnSignals } from '../core/tempDirs.js';
import { marketOptionsSchema } from './marketOptions.js';

/** Options of the commands that follow the market until stopped (`worker`, `watch`). */
export const followOptionsSchema = marketOptionsSchema.extend({
  pollMs: z.coerce.number().int().min(100).default(1000),
  artifactsRoot: z.string().optional(),
  stateFile: z.string().optional(),
  maxBlockRange: z.coerce.number().int().min(1).max(100_000).default(500),
});

export function withFollowOptions(command: Command, what: string, artifacts: string): Command {
  return command
    .option('--poll-ms <ms>', `how often to look for new ${what}`, '1000')
    .option('--artifacts-root <dir>', artifacts)
    .option(
      '--state-file <file>',
      'where it keeps its progress (default: under ~/.pocompute/workers)',
    )
    .option('--max-block-range <blocks>', 'widest block range per event query', '500');
}

/**
 * Runs `follow` until Ctrl-C / SIGTERM (work in progress is finished, not cut short), printing one
 * line per event — JSON lines under --json, timestamped plain lines otherwise — and the totals.
 */
export async function followUntilStopped<E extends object, T extends object>(
  reporter: Reporter,
  describe: (event: E) => string,
  follow: (signal: AbortSignal, log: (event: E) => void) => Promise<T>,
  summary: (totals: T) => string,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  stopsGracefullyOnSignals();
  const log = (e: E) => {
    if (reporter.json)
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    else process.stdout.write(`${new Date().toISOString()} ${describe(e)}\n`);
  };
  const totals = await follow(controller.signal, log);
  if (reporter.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', ...totals })}\n`);
  else reporter.info(`stopped: ${summary(totals)}`);
}
