import { stripVTControlCharacters } from 'node:util';
import type { ChalkInstance } from 'chalk';
import { PocomputeError, toPocomputeError } from './errors.js';

type Paint = (...text: unknown[]) => string;
/** The colours a Reporter writes with: chalk's, or the same functions writing plain text. */
export interface Colours {
  green: Paint;
  red: Paint;
  yellow: Paint;
  dim: Paint;
  level: ChalkInstance['level'];
}

const plain: Paint = (...text) => text.join(' ');
const NO_COLOURS: Colours = { green: plain, red: plain, yellow: plain, dim: plain, level: 0 };

/**
 * chalk only when this process has a terminal to colour: piped and CI runs (`verify --json` in a
 * pipeline) never load it.
 */
const chalk =
  process.stdout.isTTY || process.stderr.isTTY ? (await import('chalk')).Chalk : undefined;

export interface ReporterOptions {
  json?: boolean;
  /** Where progress and logs go; results go to stdout. */
  stderr?: NodeJS.WriteStream;
  stdout?: NodeJS.WriteStream;
}

type Ora = typeof import('ora').default;
let ora: Ora | undefined;
/** ora (and its dependencies) only for a spinner on a terminal: piped and JSON runs never load it. */
const loadOra = async (): Promise<Ora> => {
  ora ??= (await import('ora')).default;
  return ora;
};

/**
 * The one output path. Human mode: ora spinners with timings on a TTY, plain lines when piped,
 * colours only on a TTY without NO_COLOR. JSON mode: stdout carries one JSON document and nothing
 * else; progress is silent and logs go to stderr.
 */
export class Reporter {
  readonly json: boolean;
  readonly timings: Record<string, number> = {};
  readonly c: Colours;
  private readonly stderr: NodeJS.WriteStream;
  private readonly stdout: NodeJS.WriteStream;
  private readonly interactive: boolean;

  constructor(options: ReporterOptions = {}) {
    this.json = options.json ?? false;
    this.stderr = options.stderr ?? process.stderr;
    this.stdout = options.stdout ?? process.stdout;
    // A terminal that reports no width (0 columns: some CI runners, `stty cols 0`) gets plain lines:
    // a spinner there would redraw forever, computing its height as a division by zero.
    this.interactive =
      Boolean(this.stderr.isTTY) && (this.stderr.columns ?? 0) > 0 && !process.env.CI && !this.json;
    const colour = Boolean(this.stdout.isTTY) && !('NO_COLOR' in process.env) && !this.json;
    this.c = colour && chalk ? new chalk({ level: 1 }) : NO_COLOURS;
  }

  /** Runs one phase, shows it (spinner or a line) and records how long it took, in ms. */
  async step<T>(label: string, work: () => Promise<T> | T, key = label): Promise<T> {
    const started = performance.now();
    // ora colours its own marks whatever NO_COLOR says: ours go through this.c instead.
    const spinner = this.interactive
      ? (await loadOra())({
          text: label,
          stream: this.stderr,
          color: this.c.level ? 'cyan' : false,
        }).start()
      : undefined;
    // Long phases (proving) show their elapsed time, so a busy spinner is never mistaken for a hang.
    const ticker = spinner
      ? setInterval(() => {
          spinner.text = `${label} ${this.c.dim(`(${formatMs(performance.now() - started)})`)}`;
        }, 1000)
      : undefined;
    const finish = (symbol: string, text: string) => {
      clearInterval(ticker);
      if (spinner) spinner.stopAndPersist({ symbol, text });
      else if (!this.json) this.stderr.write(`${symbol} ${text}\n`);
    };
    try {
      const result = await work();
      const ms = performance.now() - started;
      this.timings[key] = Math.round(ms);
      finish(this.c.green('✔'), `${label} ${this.c.dim(`(${formatMs(ms)})`)}`);
      return result;
    } catch (error) {
      finish(this.c.red('✖'), label);
      throw error;
    }
  }

  info(message: string): void {
    if (!this.json) this.stderr.write(`${message}\n`);
  }

  /** Warnings are shown in JSON mode too (on stderr): they are things a script's user must see. */
  warn(message: string): void {
    this.stderr.write(`${this.c.yellow('⚠')} ${this.c.yellow(message)}\n`);
  }

  /** Prints the command's result: `data` as one JSON document, or the human rendering. */
  result(data: unknown, render: () => string): void {
    if (this.json) this.stdout.write(`${JSON.stringify(data, jsonReplacer, 2)}\n`);
    else this.stdout.write(`${render()}\n`);
  }

  /** Prints a failure and returns the exit code to use. */
  failure(error: unknown): number {
    const err = toPocomputeError(error);
    if (this.json) {
      this.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() }, jsonReplacer, 2)}\n`);
    } else {
      this.stderr.write(
        `${this.c.red(`error ${err.code}:`)} ${err.message}\n${this.c.dim(`hint: ${err.hint}`)}\n`,
      );
      if (process.env.POCOMPUTE_DEBUG && err.cause)
        this.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    }
    return err.exitCode;
  }
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A plain aligned table for human output. */
export function table(rows: (string | number)[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths =
    all[0]?.map((_, i) => Math.max(...all.map((r) => stripAnsi(String(r[i] ?? '')).length))) ?? [];
  const fmt = (r: (string | number)[]) =>
    r
      .map((cell, i) =>
        String(cell).padEnd(widths[i] + (String(cell).length - stripAnsi(String(cell)).length)),
      )
      .join('  ')
      .trimEnd();
  return all.map(fmt).join('\n');
}

function stripAnsi(s: string): string {
  return stripVTControlCharacters(s);
}

export { PocomputeError };
