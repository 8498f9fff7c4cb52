import { PocomputeError } from '../core/errors.js';
import { optionFlag } from '../core/options.js';
import { table, type Reporter } from '../core/output.js';
import type { ProveOptions } from './proveOptions.js';

/** Options that shape one circuit: a staged proof takes the whole model's circuit choice instead. */
const NOT_STAGED = [
  ['inputVisibility', 'public'],
  ['outputVisibility', 'public'],
  ['calibration', undefined],
  ['maxError', undefined],
  ['settings', undefined],
] as const;

/** `prove --stages` / `prove <split dir>`: one call to proveStaged, then the result. */
export async function proveStagedCommand(
  target: string,
  o: ProveOptions,
  reporter: Reporter,
): Promise<void> {
  const given = NOT_STAGED.filter(([name, value]) => o[name] !== value).map(([name]) =>
    optionFlag(name),
  );
  if (given.length)
    throw new PocomputeError(
      'USAGE',
      `${given.join(', ')} do not apply to a staged proof (visibilities are the stages' own; ` +
        "stages are proved natively with the whole model's circuit choice)",
    );
  const { proveStaged } = await import('../prover/stages/proveStaged.js');
  const { bundle, bundlePath, artifacts } = await proveStaged({
    target,
    stages: o.stages,
    input: o.input,
    out: o.out,
    jobs: o.jobs,
    srs: o.srs,
    artifactsRoot: o.artifactsRoot ?? o.artifactsDir,
    reporter,
  });
  const error = (name: string, key: 'maxAbsError' | 'maxRelError') =>
    bundle.quantization.find((q) => q.name === name)?.[key].toExponential(2) ?? '—';
  if (bundle.stages[0].srs.origin === 'insecure-dev')
    reporter.warn('SRS: insecure-dev (local use only)');
  reporter.result(
    {
      ok: true,
      bundle: bundlePath,
      stagedArtifacts: artifacts.dir,
      source: bundle.source,
      stages: bundle.stages.length,
      jobs: bundle.jobs,
      boundaries: bundle.boundaries,
      public: bundle.public,
      quantization: bundle.quantization,
      timings: bundle.timings,
    },
    () =>
      [
        `Staged proof (${bundle.stages.length} stages, ${bundle.jobs} job(s)) written to ${bundlePath}`,
        `compiled stages: ${artifacts.dir} (verify with --artifacts <this dir>)`,
        table(
          bundle.public.outputs.map((t) => [
            t.name,
            (t.values ?? []).map((v) => v.toFixed(4)).join(' '),
            error(t.name, 'maxAbsError'),
            error(t.name, 'maxRelError'),
          ]),
          ['output', 'proved value', 'max abs err', 'max rel err'],
        ),
      ].join('\n'),
  );
}
