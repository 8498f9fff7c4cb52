import { PocomputeError } from '../core/errors.js';
import { VERIFYING_FILES } from '../proof/artifacts.js';
import { findCompilationsOfModel } from '../proof/artifactsIndex.js';
import {
  isStagedArtifactsDir,
  openStagedArtifacts,
  type StagedArtifacts,
} from '../proof/stagedArtifacts.js';
import { parseStagedBundle, readStagedBundle, type StagedBundle } from '../proof/stagedBundle.js';
import { isStagedModelDir, readStagedModel } from '../proof/stagedModel.js';
import { stageInstanceLayout } from '../proof/stageInstanceLayout.js';
import { checkStagedBundle, type VerifyStagedResult } from '../proof/checkStagedBundle.js';

export interface VerifyStagedParams {
  /** The staged proof bundle: its path, or the bundle read. */
  bundle: string | StagedBundle;
  /**
   * The compiled stages to trust: opened, a staged-artifacts directory (its record), or a split
   * directory whose stages are compiled in the artifacts root. None: each stage's own key (said so).
   */
  artifacts?: string | StagedArtifacts;
  /** Where to look for a split directory's compiled stages (default: POCOMPUTE_HOME/artifacts). */
  artifactsRoot?: string;
}

/**
 * Verifies a staged proof against the compiled stages the caller trusts (checkStagedBundle): every
 * stage proof, every link and the stated values. Without trusted stages, each stage's own key (said so).
 */
export async function verifyStaged(params: VerifyStagedParams): Promise<VerifyStagedResult> {
  const { bundle: bundleOrPath, ...trust } = params;
  const bundle =
    typeof bundleOrPath === 'string'
      ? await readStagedBundle(bundleOrPath)
      : parseStagedBundle(bundleOrPath);
  return checkStagedBundle(bundle, await trustedStages(bundle, trust));
}

/** The compiled stages a verdict may rest on, or undefined for the bundle's own keys. */
async function trustedStages(
  bundle: StagedBundle,
  trust: Omit<VerifyStagedParams, 'bundle'>,
): Promise<StagedArtifacts | undefined> {
  const { artifacts } = trust;
  if (!artifacts) return undefined;
  if (typeof artifacts !== 'string') return artifacts;
  if (isStagedArtifactsDir(artifacts))
    return openStagedArtifacts(artifacts, { check: VERIFYING_FILES });
  if (!isStagedModelDir(artifacts))
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${artifacts} is neither compiled stages (staged-artifacts.json) nor a split directory (stages.json)`,
      { hint: 'Pass the directory `prove --stages` reported, or the split directory.' },
    );
  const staged = await readStagedModel(artifacts);
  // Trusted roots only (the pocompute home and an explicit root), never a config file's
  // artifactsDir: a pocompute.config.json in a cloned repository must not plant a stage key.
  const extraRoots = trust.artifactsRoot ? [trust.artifactsRoot] : [];
  const count = staged.manifest.stages.length;
  const stages = [];
  for (const stage of staged.manifest.stages) {
    const role = stageInstanceLayout(stage.index, count, { inputElements: 0, outputElements: 0 });
    const compiled = (
      await findCompilationsOfModel(stage.sha256, extraRoots, { check: VERIFYING_FILES })
    )
      .filter(
        (a) =>
          a.manifest.options.inputVisibility === role.inputVisibility &&
          a.manifest.options.outputVisibility === role.outputVisibility,
      )
      .sort((x, y) => x.manifest.createdAt.localeCompare(y.manifest.createdAt));
    // Any compilation of the trusted stage model is a trusted key: the one the bundle names, else
    // the oldest.
    const claimedVk = bundle.stages[stage.index]?.artifacts.vkSha256;
    const found = compiled.find((a) => a.manifest.files['vk.key'] === claimedVk) ?? compiled[0];
    if (!found)
      throw new PocomputeError(
        'ARTIFACTS_INVALID',
        `stage ${stage.index} of ${artifacts} is not compiled here (the pocompute home${extraRoots.length ? ` or ${extraRoots[0]}` : ''})`,
        {
          hint: `Run \`pocompute prove ${artifacts} --input <sample>\` (or compile its stages) first, or pass --artifacts <the compiled stages directory prove reported>.`,
        },
      );
    stages.push({ ...found, cached: true });
  }
  return { dir: staged.dir, source: staged.manifest.source, stages };
}
