import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { openArtifacts, VERIFYING_FILES } from '../src/proof/artifacts.js';
import type { CompileOptions } from '../src/proof/artifactsManifest.js';
import { proveInference } from '../src/prover/proveInference.js';

/** One proof that both sides verify: a pocompute bundle and the same proof as EZKL's proof.json. */
export interface VerifyCase {
  name: string;
  logrows: number;
  /** The pocompute proof bundle. */
  bundle: string;
  /** The bundle's proof, as EZKL writes it (what `ezkl.verify` reads). */
  proof: string;
  artifactsDir: string;
  /** The key material EZKL's verify takes: settings.json, vk.key and the SRS of the artifacts. */
  settings: string;
  vk: string;
  srs: string;
}

interface CaseSpec {
  name: string;
  model: string;
  input: string;
  options?: Partial<CompileOptions>;
}

/**
 * The proofs of `npm run bench:verify`: the mlp fixture at the optimiser's size, the same model
 * forced to 2^15 and 2^17 rows (its circuit padded out, as a larger model's would be), and the
 * LeNet of fixtures/real at its own size.
 */
export const VERIFY_CASE_SPECS: CaseSpec[] = [
  { name: 'mlp', model: fixturePath('mlp', 'model.onnx'), input: fixturePath('mlp', 'input.json') },
  {
    name: 'mlp-k15',
    model: fixturePath('mlp', 'model.onnx'),
    input: fixturePath('mlp', 'input.json'),
    options: { settings: { run_args: { logrows: 15 } } },
  },
  {
    name: 'mlp-k17',
    model: fixturePath('mlp', 'model.onnx'),
    input: fixturePath('mlp', 'input.json'),
    options: { settings: { run_args: { logrows: 17 } } },
  },
  {
    name: 'lenet',
    model: fixturePath('real', 'lenet', 'model.onnx'),
    input: fixturePath('real', 'lenet', 'input.json'),
  },
];

/** Where the bench keeps its compiled artifacts and proofs between runs (gitignored). */
export const VERIFY_BENCH_DIR = join(PACKAGE_ROOT, 'bench', '.work', 'verify');

/**
 * Compiles and proves a case once (the LeNet takes minutes and GBs) and reuses it afterwards: a
 * case is reused while its record, bundle and artifacts are there and the artifacts still match
 * their manifest. Delete bench/.work/verify to start again.
 */
export async function prepareVerifyCase(
  spec: CaseSpec,
  log: (line: string) => void,
): Promise<VerifyCase> {
  const dir = join(VERIFY_BENCH_DIR, spec.name);
  const recordPath = join(dir, 'case.json');
  if (existsSync(recordPath)) {
    const cached = JSON.parse(await readFile(recordPath, 'utf8')) as VerifyCase;
    const usable =
      existsSync(cached.bundle) &&
      existsSync(cached.proof) &&
      existsSync(cached.srs) &&
      (await openArtifacts(cached.artifactsDir, { check: VERIFYING_FILES }).then(
        () => true,
        () => false,
      ));
    if (usable) return cached;
  }
  log(`bench verify: compiling and proving ${spec.name} (once; cached in ${dir})`);
  await mkdir(dir, { recursive: true });
  const proved = await proveInference({
    target: spec.model,
    input: spec.input,
    out: join(dir, 'proof.bundle.json'),
    options: spec.options,
    artifactsRoot: join(VERIFY_BENCH_DIR, 'artifacts'),
  });
  const artifacts = proved.artifacts;
  const proof = join(dir, 'proof.json');
  await writeFile(proof, JSON.stringify(proved.bundle.proof));
  const record: VerifyCase = {
    name: spec.name,
    logrows: artifacts.manifest.circuit.logrows,
    bundle: proved.bundlePath,
    proof,
    artifactsDir: artifacts.dir,
    settings: join(artifacts.dir, 'settings.json'),
    vk: join(artifacts.dir, 'vk.key'),
    srs: artifacts.manifest.srs.path,
  };
  await writeJsonAtomic(recordPath, record);
  return record;
}
