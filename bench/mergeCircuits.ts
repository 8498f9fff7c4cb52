/**
 * Joins circuit-benchmark results run in parts (BENCH_CIRCUITS=… BENCH_OUT=part.json) into
 * bench/circuits.json and the docs table: node dist/bench/mergeCircuits.js a.json b.json
 * The trailer says how the parts were run, from each part's own start and end times.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { type CircuitsResults, publishCircuits } from './compareCircuits.js';

type Part = CircuitsResults & { date?: string; partial?: boolean };

const parts = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')) as Part);
const merged: CircuitsResults = {
  rows: parts.flatMap((p) => p.rows),
  agreements: parts.flatMap((p) => p.agreements),
  failures: parts.flatMap((p) => p.failures ?? []),
  runs: Math.min(...parts.map((p) => p.runs ?? 1)),
};

const hhmm = (iso: string) => iso.slice(11, 16);
/** One part: its models, when it ran (UTC), and whether it was stopped before its end. */
function describe(part: Part): string {
  const models = [...new Set(part.rows.map((r) => r.model))].join(', ') || 'no model finished';
  if (!part.started) return `${models} (times not recorded)`;
  const end = part.date && !part.partial ? hhmm(part.date) : 'stopped';
  return `${models} ${hhmm(part.started)}–${end}`;
}
/** The most parts that ran at once, from their start and end times (a stopped part: open-ended). */
function mostAtOnce(): number | undefined {
  if (parts.some((p) => !p.started)) return undefined;
  const events = parts.flatMap((p) => [
    { t: Date.parse(p.started as string), d: 1 },
    { t: p.date && !p.partial ? Date.parse(p.date) : Number.POSITIVE_INFINITY, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}
const day = parts.find((p) => p.started)?.started?.slice(0, 10);
const most = mostAtOnce();
const how =
  parts.length === 1
    ? ''
    : ` Run in ${parts.length} parts${most === undefined ? '' : `, at most ${most} at once`} (each model's flows side by side in one process; UTC${day ? `, from ${day}` : ''}): ${parts.map(describe).join('; ')}.`;
const failed = merged.failures.length ? ` Failed: ${merged.failures.join('; ')}.` : '';
const table = await publishCircuits(
  merged,
  join(PACKAGE_ROOT, 'bench', 'circuits.json'),
  true,
  `${how}${failed}`,
);
process.stdout.write(`${table}\n`);
