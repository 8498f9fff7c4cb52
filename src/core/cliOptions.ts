import type { Command, Option } from 'commander';
import { z } from 'zod';
import { optionFlag, parseOptions } from './options.js';

/**
 * One command-line option, declared once. Its name (the key it is declared under) gives the flag
 * (`chainId` → `--chain-id`); its zod type checks the value, types it, says whether it is required
 * (not optional and without a default) and gives its default (`.default(600)`, shown as "600").
 */
export interface CliOption<T extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly type: T;
  /** The value's placeholder (`<file>`, `[n]`, `<ids...>`); none for a boolean flag. */
  readonly value?: string;
  readonly description: string;
  /** `--no-<name>`: on unless given. */
  readonly negate?: boolean;
  /** Accepted but left out of the help (an old name). */
  readonly hidden?: boolean;
}

type Shape = { readonly [name: string]: CliOption };

/** `--<name> <value>`. */
export const option = <T extends z.ZodTypeAny>(
  type: T,
  value: string,
  description: string,
  extra?: { hidden?: boolean },
): CliOption<T> => ({ type, value, description, ...extra });

/** `--<name>`: a switch, off unless given. */
export const flag = (description: string): CliOption<z.ZodOptional<z.ZodBoolean>> => ({
  type: z.boolean().optional(),
  description,
});

/** `--no-<name>`: a switch, on unless given. */
export const negatedFlag = (description: string): CliOption<z.ZodDefault<z.ZodBoolean>> => ({
  type: z.boolean().default(true),
  description,
  negate: true,
});

type SchemaOf<S> = z.ZodObject<{
  -readonly [K in keyof S]: S[K] extends CliOption<infer T extends z.ZodTypeAny> ? T : never;
}>;

/** A command's options (or a group that commands share): its zod schema and its commander options. */
export class OptionSet<S> {
  readonly schema: SchemaOf<S>;

  constructor(readonly options: S) {
    const shape = Object.fromEntries(
      Object.entries(options as Shape).map(([name, o]) => [name, o.type]),
    );
    this.schema = z.object(shape) as SchemaOf<S>;
  }

  /** The options the command was given, checked: the first problem is a one-line usage error. */
  parse(raw: unknown): z.infer<SchemaOf<S>> {
    return parseOptions(this.schema, raw);
  }

  /** Registers the options on `command`, in their order of declaration. */
  addTo(command: Command): Command {
    for (const [name, o] of Object.entries(this.options as Shape))
      command.addOption(commanderOption(command, name, o));
    return command;
  }
}

export type OptionsOf<O extends OptionSet<unknown>> = z.infer<O['schema']>;

type ShapeOf<P> = P extends OptionSet<infer S> ? S : P;
type Merged<P extends readonly unknown[]> = P extends readonly [infer Head, ...infer Rest]
  ? ShapeOf<Head> & Merged<Rest>
  : unknown;

/**
 * Options made of groups (`chainOptions`, `commonOptions`) and declarations, in order: the order
 * of the commander options, hence of the help. A name declared twice is a mistake.
 */
export function defineOptions<P extends readonly (OptionSet<unknown> | Shape)[]>(
  ...parts: P
): OptionSet<{ [K in keyof Merged<P>]: Merged<P>[K] }> {
  const options: Record<string, CliOption> = {};
  for (const part of parts) {
    for (const [name, o] of Object.entries(
      part instanceof OptionSet ? (part.options as Shape) : part,
    )) {
      if (name in options) throw new Error(`${optionFlag(name)} is declared twice`);
      options[name] = o;
    }
  }
  return new OptionSet(options) as never;
}

function commanderOption(command: Command, name: string, o: CliOption): Option {
  const long = o.negate ? `--no-${optionFlag(name).slice(2)}` : optionFlag(name);
  const option = command.createOption(o.value ? `${long} ${o.value}` : long, o.description);
  option.makeOptionMandatory(!o.type.isOptional());
  // A switch's default is commander's own (off, or on for --no-x); a value's is its zod default.
  option.default(
    o.value && o.type instanceof z.ZodDefault ? String(o.type._def.defaultValue()) : undefined,
  );
  if (o.hidden) option.hideHelp();
  return option;
}
