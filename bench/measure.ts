import { spawn } from 'node:child_process';

export interface Measurement {
  timings: Record<string, number>;
  ms: number;
  /** Peak resident memory of the phase's process tree (largest process), in MiB. */
  peakMiB: number;
}

/**
 * Runs a phase under Python's getrusage(RUSAGE_CHILDREN), whose max RSS covers every descendant
 * waited for — so the EZKL Python worker that the Node process starts is counted too.
 */
export function measurePhase(args: string[]): Promise<Measurement> {
  const wrapper =
    'import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE)\nsys.stdout.write(r.stdout.decode())\nprint("PEAK_KIB",resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\nsys.exit(r.returncode)';
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', wrapper, process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`benchmark phase ${args.join(' ')} failed (exit ${code})`));
      const result = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}');
      const peak = Number(out.match(/PEAK_KIB (\d+)/)?.[1] ?? 0);
      resolve({ timings: result.timings, ms: result.ms, peakMiB: Math.round(peak / 1024) });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}
