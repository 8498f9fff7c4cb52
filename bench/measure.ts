import { spawn } from 'node:child_process';

export interface Measurement {
  timings: Record<string, number>;
  ms: number;
  /** Peak resident memory of the phase's process tree (largest process), in MiB. */
  peakMiB: number;
  /** CPU time (user + system) of the whole process tree, in ms. */
  cpuMs: number;
}

/**
 * Runs a phase under Python's getrusage(RUSAGE_CHILDREN), whose max RSS covers every descendant
 * waited for — so the EZKL Python worker that the Node process starts is counted too.
 */
export function measurePhase(args: string[]): Promise<Measurement> {
  return measureCommand(process.execPath, args);
}

/** Any command under the same measurement (e.g. the EZKL Python worker on its own). */
export function measureCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measurement> {
  const wrapper =
    'import resource,subprocess,sys,time\nt=time.time()\nr=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE)\nw=time.time()-t\nsys.stdout.write(r.stdout.decode(errors="replace"))\nu=resource.getrusage(resource.RUSAGE_CHILDREN)\nprint("PEAK_KIB",u.ru_maxrss)\nprint("CPU_S",u.ru_utime+u.ru_stime)\nprint("WALL_S",w)\nsys.exit(r.returncode)';
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', wrapper, command, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`benchmark phase ${args.join(' ')} failed (exit ${code})`));
      const line = out.split('\n').find((l) => l.startsWith('{"phase"'));
      const result = line ? JSON.parse(line) : { timings: {} };
      const peak = Number(out.match(/PEAK_KIB (\d+)/)?.[1] ?? 0);
      const cpu = Number(out.match(/CPU_S ([\d.]+)/)?.[1] ?? 0);
      const wall = Number(out.match(/WALL_S ([\d.]+)/)?.[1] ?? 0);
      resolve({
        timings: result.timings,
        ms: result.ms ?? Math.round(wall * 1000),
        peakMiB: Math.round(peak / 1024),
        cpuMs: Math.round(cpu * 1000),
      });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}
