import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../../core/errors.js';
import { canonicalJson } from '../../core/files.js';
import { makeWorkDir } from '../../core/tempDirs.js';
import { type Artifacts, readArtifactFile } from '../../proof/artifacts.js';
import type { CompileResult } from '../../proof/artifacts.js';
import { getPythonEngine } from '../../engine/pythonEngine.js';
import { dequantize, feltFromHexLE, feltHex } from '../../proof/felts.js';
import { unwitnessableInput } from '../inputRange.js';
import { loadInputs } from '../inputs.js';
import type { StagedArtifacts } from '../../proof/stagedArtifacts.js';
import { stageInstanceLayout } from '../../proof/stageInstanceLayout.js';

/** EZKL's input.json for one stage: what it is proved on. */
export type StageInput = { input_data: (number | boolean)[][] };

/** The parts of EZKL's witness.json a staged proof reads. */
interface EzklWitness {
  inputs: string[][];
  outputs: string[][];
  processed_inputs?: { poseidon_hash?: string[] } | null;
  processed_outputs?: { poseidon_hash?: string[] } | null;
}

export interface StageWitness {
  witness: EzklWitness;
  /** EZKL's witness file as gen_witness wrote it: what the stage's proof is made from. */
  bytes: Uint8Array;
  /** Every output, dequantized with the stage's output scales. */
  outputs: number[][];
  /** The public instances its proof will have (stageInstanceLayout), as field elements. */
  instances: bigint[];
}

export interface WitnessStagesResult {
  /** The N−1 inner boundary hashes, 0x-prefixed 32-byte big-endian hex (the uint256 the EVM sees). */
  boundaries: string[];
  /** The last stage's outputs, dequantized. */
  outputs: number[][];
  /** The EZKL input each stage is proved on. */
  stageInputs: StageInput[];
  /** Each stage proof's public instances. */
  instances: bigint[][];
  /** Each stage's witness file (gen_witness runs once per stage: proveStage proves from it). */
  witnesses: Uint8Array[];
}

/** A stage witness already made (by compileStages, on the same input): not made again. */
export interface KnownStageWitness {
  index: number;
  input: StageInput;
  result: StageWitness;
}

/**
 * Runs every stage's witness in order (native gen_witness; no proving): stage i+1 gets stage i's
 * quantized outputs, dequantized (k / 2^scale), which EZKL re-quantizes to the same integers, so
 * stage i's output hash is stage i+1's input hash. Checked here: a mismatch is
 * STAGE_LINK_MISMATCH. This is what a watcher runs to recompute the boundaries cheaply.
 */
export async function witnessStages(
  staged: StagedArtifacts,
  input: string | StageInput,
  known: KnownStageWitness[] = [],
): Promise<WitnessStagesResult> {
  const first = staged.stages[0];
  const model = first.manifest.model;
  const loaded = typeof input === 'string' ? (await loadInputs(input, model.inputs)).ezkl : input;
  const stageInputs: StageInput[] = [];
  const instances: bigint[][] = [];
  const witnesses: Uint8Array[] = [];
  const boundaries: string[] = [];
  let next: StageInput = loaded;
  let outputs: number[][] = [];
  for (const [i, artifacts] of staged.stages.entries()) {
    stageInputs.push(next);
    // gen_witness runs once per stage: a witness compile made on this very input is reused.
    const made = known.find(
      (w) => w.index === i && canonicalJson(w.input) === canonicalJson(stageInputs[i]),
    )?.result;
    const making = made
      ? Promise.resolve(made)
      : witnessStage(artifacts, next, i, staged.stages.length);
    const result = await making.catch((error) => {
      // Which stage EZKL could not witness, and the boundaries before it: a watcher judges a
      // result on an unprovable input from these (see watcher.ts).
      if (isWitnessFailure(error))
        throw new PocomputeError('ENGINE_FAILED', error.message, {
          cause: error,
          details: { witnessFailedAtStage: i, boundaries: [...boundaries] },
        });
      throw error;
    });
    instances.push(result.instances);
    witnesses.push(result.bytes);
    if (i > 0) {
      const before = instances[i - 1];
      const link = stageInstanceLayout(i - 1, staged.stages.length, sizesOf(staged, i - 1));
      const here = stageInstanceLayout(i, staged.stages.length, sizesOf(staged, i));
      const out = before[link.outputHash as number];
      const into = result.instances[here.inputHash as number];
      if (out !== into)
        throw new PocomputeError(
          'STAGE_LINK_MISMATCH',
          `link ${i - 1}→${i}: stage ${i - 1}'s output hash ${feltHex(out).slice(0, 18)}… is not ` +
            `stage ${i}'s input hash ${feltHex(into).slice(0, 18)}… (its input did not re-quantize exactly)`,
        );
      boundaries.push(feltHex(out));
    }
    outputs = result.outputs;
    next = { input_data: result.outputs };
  }
  return { boundaries, outputs, stageInputs, instances, witnesses };
}

/**
 * EZKL's witness of a compiled circuit on an input (native gen_witness). Its failure — an input
 * outside what the circuit can synthesize ("General synthesis error") — is ENGINE_FAILED with
 * `details.witnessFailed`: no proof can exist for that input (isWitnessFailure).
 */
export async function genWitnessBytes(
  artifacts: Artifacts,
  input: StageInput,
  label: string,
): Promise<Uint8Array> {
  const engine = await getPythonEngine();
  const work = await makeWorkDir('pocompute-witness');
  try {
    const data = join(work.path, 'input.json');
    const witness = join(work.path, 'witness.json');
    // The circuit EZKL reads is the copy checked against the manifest, not the file as it is now.
    const compiled = join(work.path, 'model.compiled');
    await writeFile(compiled, await readArtifactFile(artifacts, 'model.compiled'));
    await writeFile(data, JSON.stringify(input));
    await engine.run([{ op: 'gen_witness', args: { data, compiled, witness } }]);
    return new Uint8Array(await readFile(witness));
  } catch (error) {
    if (error instanceof PocomputeError && error.code !== 'ENGINE_FAILED') throw error;
    // Named when an input value is the cause: a task poster sees which value to change.
    const culprit = await unwitnessableInput(
      input.input_data.map((t) => t.map(Number)),
      artifacts.manifest.model.inputs.map((t) => t.name),
      artifacts,
    );
    throw new PocomputeError(
      'ENGINE_FAILED',
      `EZKL genWitness failed for ${label}: ${String((error as Error)?.message ?? error)}` +
        (culprit ? ` (${culprit})` : ''),
      { cause: error, details: { witnessFailed: true } },
    );
  } finally {
    await work.remove();
  }
}

/** True for genWitness's own refusal of an input (not an IO or layout failure around it). */
export function isWitnessFailure(error: unknown): error is PocomputeError {
  return (
    error instanceof PocomputeError &&
    error.code === 'ENGINE_FAILED' &&
    (error.details?.witnessFailed === true || error.details?.witnessFailedAtStage !== undefined)
  );
}

/** One stage's witness (native gen_witness) and the instances its proof will have. */
export async function witnessStage(
  artifacts: CompileResult,
  input: StageInput,
  index: number,
  count: number,
): Promise<StageWitness> {
  const bytes = await genWitnessBytes(artifacts, input, `stage ${index}`);
  const witness = JSON.parse(new TextDecoder().decode(bytes)) as EzklWitness;
  const { outputScales } = artifacts.manifest.circuit;
  const outputs = witness.outputs.map((o, j) => o.map((f) => dequantize(f, outputScales[j])));
  const layout = stageInstanceLayout(index, count, {
    inputElements: witness.inputs.reduce((a, t) => a + t.length, 0),
    outputElements: witness.outputs.reduce((a, t) => a + t.length, 0),
  });
  const felts: string[] = [];
  if (layout.inputVisibility === 'hashed')
    felts.push(...(witness.processed_inputs?.poseidon_hash ?? []));
  else felts.push(...witness.inputs.flat());
  if (layout.outputVisibility === 'hashed')
    felts.push(...(witness.processed_outputs?.poseidon_hash ?? []));
  else felts.push(...witness.outputs.flat());
  if (felts.length !== layout.count)
    throw new PocomputeError(
      'ENGINE_FAILED',
      `stage ${index}'s witness has ${felts.length} public values, its layout ${layout.count}`,
    );
  return { witness, bytes, outputs, instances: felts.map(feltFromHexLE) };
}

function sizesOf(staged: StagedArtifacts, i: number) {
  const m = staged.stages[i].manifest.model;
  const total = (ts: { size: number }[]) => ts.reduce((a, t) => a + t.size, 0);
  return { inputElements: total(m.inputs), outputElements: total(m.outputs) };
}

/** A field element as the EVM sees it: 0x + 32 bytes big-endian. */
