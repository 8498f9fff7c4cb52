import type { z } from 'zod';
import { PocomputeError } from './errors.js';

/** The flag of an option by its parsed name: `chainId` → `--chain-id`. */
export const optionFlag = (name: string): string =>
  `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validates a command's options with its zod schema; the first problem becomes a one-line usage error. */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = issue.path.length ? optionFlag(String(issue.path[0])) : 'options';
  const hint = issue.code === 'custom' ? issue.params?.hint : undefined;
  throw new PocomputeError('OPTION_INVALID', `${name}: ${issue.message}`, {
    ...(typeof hint === 'string' ? { hint } : {}),
  });
}
