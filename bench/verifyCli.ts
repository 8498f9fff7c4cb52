/**
 * `npm run bench:verify`: verification speed against EZKL 23's Python package, side by side in one
 * run, on the same proofs with the same settings, vk and SRS:
 * - warm, in-process, per proof: pocompute's library `verify` against `ezkl.verify` in a
 *   persistent Python process;
 * - whole processes: `pocompute verify <bundle> --json` against `python -c "import ezkl; …"`;
 * - 20 proofs in one process each;
 * - the verifier's execution alone, warm: pocompute's EVM against revm, a native EVM (Hardhat's
 *   EDR, bench only: verifyNativeEvm.ts), on the same code and calldata (BENCH_NATIVE_EVM=skip
 *   skips it).
 * Cases: the mlp fixture at its optimiser size, the same model at 2^15 and 2^17 rows, and the LeNet
 * at its own size (compiled and proved once, cached in bench/.work/verify). Writes bench/verify.json
 * and the docs block. Set BENCH_BEFORE_CLI to another build's bin/pocompute.js to time it in the
 * same alternations (before/after a change).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { getPythonEngine } from '../src/engine/pythonEngine.js';
import type { SideBySide } from './sideBySide.js';
import { markdownTable, replaceDocBlock } from './docBlocks.js';
import { prepareVerifyCase, VERIFY_CASE_SPECS, type VerifyCase } from './verifyCases.js';
import {
  measureEmptyProcesses,
  measureVerifyProcesses,
  type ProcessFigures,
} from './verifyProcesses.js';
import { EDR_VERSION, measureNativeEvm, type NativeEvmFigures } from './verifyNativeEvm.js';
import { EzklVerifyServer, measureWarmVerify, type WarmFigures } from './verifyWarm.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const runs = Number(env('BENCH_RUNS', '7'));
const warmRounds = Number(env('BENCH_WARM_ROUNDS', '7'));
const warmCalls = Number(env('BENCH_WARM_CALLS', '5'));
const caseNames = env('BENCH_CASES', VERIFY_CASE_SPECS.map((s) => s.name).join(',')).split(',');
const batchCases = env('BENCH_BATCH_CASES', 'mlp,mlp-k15').split(',');
const BATCH = 20;
const nativeEvm = env('BENCH_NATIVE_EVM', 'run') !== 'skip';
const nativeCalls = Number(env('BENCH_NATIVE_CALLS', '30'));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Issue 22's targets: pocompute / EZKL Python, per case and figure. */
const TARGETS: Record<string, { warm?: number; process?: number; batch?: number }> = {
  mlp: { warm: 2, batch: 1.5 },
  'mlp-k15': { process: 4, batch: 1.5 },
  'mlp-k17': { warm: 1, batch: 1.5 },
  lenet: { warm: 1, process: 1, batch: 1.5 },
};

const cases: VerifyCase[] = [];
for (const spec of VERIFY_CASE_SPECS.filter((s) => caseNames.includes(s.name)))
  cases.push(await prepareVerifyCase(spec, log));

const { python } = await getPythonEngine();
const loadBefore = loadavg();
const startup = await measureEmptyProcesses(python, runs);
const results: {
  name: string;
  logrows: number;
  warm: WarmFigures;
  process: ProcessFigures;
  nativeEvm?: NativeEvmFigures;
  targets: (typeof TARGETS)[string];
}[] = [];
const server = new EzklVerifyServer(python);
try {
  for (const c of cases) {
    log(`bench verify: ${c.name} (2^${c.logrows}): warm in-process`);
    const warm = await measureWarmVerify({
      verifyCase: c,
      server,
      rounds: warmRounds,
      perRound: warmCalls,
    });
    log(`bench verify: ${c.name}: whole processes`);
    const processFigures = await measureVerifyProcesses({
      verifyCase: c,
      sides: { python, beforeCli: process.env.BENCH_BEFORE_CLI },
      runs,
      batch: batchCases.includes(c.name) ? BATCH : undefined,
    });
    results.push({
      name: c.name,
      logrows: c.logrows,
      warm,
      process: processFigures,
      targets: TARGETS[c.name] ?? {},
    });
  }
} finally {
  server.close();
}
// Last: EDR's native module stays loaded in this process once it is used, beside nothing timed.
for (const [i, c] of cases.entries()) {
  if (!nativeEvm) break;
  log(`bench verify: ${c.name}: the verifier alone, pocompute's EVM and revm`);
  const native = await measureNativeEvm({ verifyCase: c, calls: nativeCalls, log });
  if (native) results[i].nativeEvm = native;
}

const verdict = (figure: SideBySide | undefined, target: number | undefined) =>
  figure && target !== undefined ? { target, met: figure.ratio <= target } : undefined;
const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    /** One-minute load average (others share the machine): before and after the run. */
    load: { before: Number(loadBefore[0].toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
    node: process.version,
  },
  method: {
    warm: `${warmRounds} alternations of ${warmCalls} calls a side after 10 (pocompute) and 2 (Python) unrecorded; per alternation the median call`,
    process: `${runs} alternations after 1 unrecorded; wall time from spawn to exit`,
    ratio: 'median over alternations of pocompute / EZKL Python in that alternation',
    nativeEvm: `${nativeCalls} alternating warm calls a side after 5 unrecorded; median call`,
  },
  emptyProcess: startup,
  cases: results.map((r) => ({
    ...r,
    verdicts: {
      warm: verdict(r.warm.library, r.targets.warm),
      process: verdict(r.process.single, r.targets.process),
      batch: verdict(r.process.batch, r.targets.batch),
    },
  })),
};
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'verify.json'), report);

const ms = (value: number) =>
  value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`;
const cell = (figure: SideBySide | undefined, target: number | undefined) =>
  figure
    ? `${ms(figure.pocomputeMs)} / ${ms(figure.ezklPythonMs)} = **${figure.ratio.toFixed(2)}×**${
        target === undefined
          ? ''
          : figure.ratio <= target
            ? ` (≤ ${target}× ✔)`
            : ` (> ${target}× ✖)`
      }`
    : '—';
const table = [
  markdownTable([
    ['proof', 'warm, in-process, per proof', 'one proof, whole process', '20 proofs, one process'],
    ...results.map((r) => [
      `${r.name} (2^${r.logrows})`,
      cell(r.warm.library, r.targets.warm),
      cell(r.process.single, r.targets.process),
      cell(r.process.batch, r.targets.batch),
    ]),
  ]),
  '',
  ...(results.some((r) => r.process.single.before)
    ? [
        `Before/after (BENCH_BEFORE_CLI, same alternations), one \`pocompute verify\` process: ${results
          .filter((r) => r.process.single.before)
          .map(
            (r) =>
              `${r.name} ${ms(r.process.single.before?.pocomputeMs ?? 0)} → ${ms(r.process.single.pocomputeMs)}`,
          )
          .join(', ')}.`,
        '',
      ]
    : []),
  ...(results.some((r) => r.nativeEvm)
    ? [
        markdownTable([
          [
            'proof',
            'EZKL verify (Python, native)',
            "verifyProof on pocompute's EVM",
            'verifyProof on revm (native)',
            "of which EDR's eth_call itself",
            "revm ÷ pocompute's EVM",
          ],
          ...results
            .filter((r) => r.nativeEvm)
            .map((r) => [
              `${r.name} (2^${r.logrows})`,
              ms(r.warm.library.ezklPythonMs),
              ms(r.nativeEvm?.pocomputeEvmMs ?? 0),
              ms(r.nativeEvm?.revmMs ?? 0),
              ms(r.nativeEvm?.revmCallOverheadMs ?? 0),
              `${r.nativeEvm?.revmOverPocompute.toFixed(2)}×`,
            ]),
        ]),
        '',
        `The verifier alone, warm, per proof: EZKL's Solidity verifier run by pocompute's EVM (\`runVerifier\`: proof checks, calldata, execution) and by revm, the Rust EVM of Hardhat's EDR ${EDR_VERSION} (native, installed for the bench only; \`eth_call\` of the same code and calldata, with what that call costs without the verifier: the same calldata to a contract that stops at once), ${nativeCalls} alternating calls a side, measured after everything else; both give the same verdict on the honest proof and on one with an instance changed (a revert). EZKL's verify (first column) is the warm figure of the table above.`,
        '',
      ]
    : []),
  `pocompute / EZKL 23.0.5 Python (\`ezkl.verify\` with the same proof, settings, vk and SRS), medians of interleaved runs on ${cpus().length} cores (load ${loadBefore[0].toFixed(1)} → ${loadavg()[0].toFixed(1)}); an empty process costs ${ms(startup.nodeMs)} (node) and ${ms(startup.pythonImportEzklMs)} (Python importing ezkl). Measured by \`npm run bench:verify\`; bench/verify.json has every figure.`,
].join('\n');
await replaceDocBlock('bench-verify', table);
process.stdout.write(`${table}\n`);
