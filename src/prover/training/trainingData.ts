import { PocomputeError } from '../../core/errors.js';
import { readJsonFile } from '../../core/files.js';
import type { MlpSpec } from './mlpSpec.js';
import { MAX_ROWS } from './runManifest.js';

/** Training rows: features and target vectors (class ids already made one-hot). */
export interface TrainingData {
  features: number[][];
  targets: number[][];
}

/** Reads `{"features": [[...]], "labels": [class ids] or [[targets]]}` for this model. */
export async function readTrainingData(path: string, spec: MlpSpec): Promise<TrainingData> {
  return parseTrainingData(
    await readJsonFile(path, 'training data'),
    spec.inFeatures,
    spec.layers[spec.layers.length - 1].outFeatures,
  );
}

export function parseTrainingData(raw: unknown, inFeatures: number, classes: number): TrainingData {
  const d = raw as { features?: unknown; labels?: unknown };
  if (
    !Array.isArray(d?.features) ||
    !Array.isArray(d?.labels) ||
    d.features.length !== d.labels.length ||
    !d.features.length
  ) {
    throw new PocomputeError(
      'INPUT_INVALID',
      'training data must be {"features": [[...], ...], "labels": [...]} with one label per row',
    );
  }
  if (d.features.length > MAX_ROWS)
    throw new PocomputeError(
      'INPUT_INVALID',
      `training data has ${d.features.length} rows; at most ${MAX_ROWS} are supported`,
    );
  const features = d.features as number[][];
  const badRow = features.findIndex(
    (r) =>
      !Array.isArray(r) ||
      r.length !== inFeatures ||
      r.some((v) => typeof v !== 'number' || !Number.isFinite(v)),
  );
  if (badRow >= 0)
    throw new PocomputeError(
      'INPUT_SHAPE',
      `every feature row must have ${inFeatures} finite numbers; row ${badRow} does not`,
    );
  const targets = (d.labels as unknown[]).map((label, row) => {
    if (typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < classes)
      return Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0));
    if (
      Array.isArray(label) &&
      label.length === classes &&
      label.every((v) => typeof v === 'number' && Number.isFinite(v))
    )
      return label as number[];
    throw new PocomputeError(
      'INPUT_SHAPE',
      `label ${row} must be a class id 0..${classes - 1} or ${classes} finite targets`,
    );
  });
  return { features, targets };
}
