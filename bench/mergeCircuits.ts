/**
 * Joins circuit-benchmark results run in parts (BENCH_CIRCUITS=… BENCH_OUT=part.json) into
 * bench/circuits.json and the docs table: node dist/bench/mergeCircuits.js a.json b.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { type CircuitsResults, publishCircuits } from './compareCircuits.js';

const parts = process.argv
  .slice(2)
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as CircuitsResults);
const merged: CircuitsResults = {
  rows: parts.flatMap((p) => p.rows),
  agreements: parts.flatMap((p) => p.agreements),
  failures: parts.flatMap((p) => p.failures ?? []),
  runs: Math.min(...parts.map((p) => p.runs ?? 1)),
};
const failed = merged.failures.length ? ` Failed: ${merged.failures.join('; ')}.` : '';
const table = await publishCircuits(
  merged,
  join(PACKAGE_ROOT, 'bench', 'circuits.json'),
  true,
  ` Run in ${parts.length} parts at the same time (each model's flows side by side in one process).${failed}`,
);
process.stdout.write(`${table}\n`);
