import { spawn } from 'node:child_process';

/** A finished process: wall time from spawn to exit, and what it wrote to stdout. */
export interface TimedRun {
  ms: number;
  stdout: string;
}

/** Runs a process to its end (it must exit 0) and times it, from spawn to exit. */
export function timedProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<TimedRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - started, stdout })
        : reject(new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}
