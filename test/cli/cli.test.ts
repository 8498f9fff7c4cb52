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
});
