import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { COMMAND_EXAMPLES } from '../../src/commands/examples.js';
import { runCli } from '../helpers/pocompute.js';

describe('the CLI surface', () => {
  it('has examples on every help page', async () => {
    const program = await buildProgram();
    const paths: string[] = [];
    const walk = (command: typeof program, path: string) => {
      paths.push(path);
      for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`.trim());
    };
    for (const command of program.commands) walk(command, command.name());
    expect(paths.filter((p) => !COMMAND_EXAMPLES[p])).toEqual([]);
  });

  it('prints usage errors as one JSON document under --json, exit 2', async () => {
    const result = await runCli(['prove', 'model.onnx', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    expect(result.json()).toMatchObject({ ok: false, error: { code: 'USAGE', exitCode: 2 } });
    const unknown = await runCli(['verify', 'x.proof', '--no-such-flag', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json().error.message).toMatch(/unknown option/);
  });

  it('prints its version from package.json with -v and --version', async () => {
    const { version } = await import('../../package.json', { with: { type: 'json' } }).then(
      (m) => m.default,
    );
    for (const flag of ['-v', '--version']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(version);
    }
  });

  it('prints human usage errors with their code and a hint naming the command, exit 2', async () => {
    const unknown = await runCli(['market', 'deploy', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "error USAGE: unknown option '--no-such-flag'\nhint: Run `pocompute market deploy --help` to see its options.\n",
    );
  });

  it('exits 2 with a usage error when no command is given, and 0 for help asked for', async () => {
    for (const args of [[], ['market']]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^Usage: pocompute/);
      expect(result.stderr).toMatch(
        /error USAGE: a command is missing\nhint: Run `pocompute.*--help`/,
      );
    }
    for (const args of [['--help'], ['help'], ['help', 'verify'], ['market', '--help']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: pocompute/);
    }
  });

  it('ends quietly when the reader closes the pipe (`pocompute --help | head`)', () => {
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'pocompute.js');
    const run = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${cli}" --help | true; echo "exit \${PIPESTATUS[0]}" >&2`],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('exit 0\n');
  });
});
