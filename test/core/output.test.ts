import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUTPUT = join(import.meta.dirname, '..', '..', 'dist', 'src', 'core', 'output.js');

/**
 * Runs one Reporter step writing to a stream that says it is a terminal of `columns` columns, in a
 * child process (a spinner that loops forever cannot be stopped from inside one).
 */
function stepOnTerminal(columns: number) {
  const script = `
    import { Writable } from 'node:stream';
    const { Reporter } = await import(${JSON.stringify(OUTPUT)});
    let written = '';
    const stderr = new Writable({ write(chunk, _e, done) { written += chunk; done(); } });
    Object.assign(stderr, { isTTY: true, columns: ${columns}, cursorTo() {}, moveCursor() {}, clearLine() {} });
    const reporter = new Reporter({ stderr });
    await reporter.step('compiling', () => new Promise((r) => setTimeout(() => r(1), 150)));
    process.stdout.write(JSON.stringify({ bytes: written.length, text: written }));
  `;
  const env = { ...process.env };
  delete env.CI;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env,
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
}

describe('Reporter on a terminal', () => {
  it('writes plain lines on a terminal of 0 columns instead of a spinner that never stops', () => {
    const run = stepOnTerminal(0);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    const { bytes, text } = JSON.parse(run.stdout);
    expect(text).toMatch(/^✔ compiling \(\d+ ms\)\n$/);
    expect(bytes).toBeLessThan(100);
  });
});
