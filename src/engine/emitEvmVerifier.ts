import { existsSync } from 'node:fs';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import {
  buildDirAtomic,
  canonicalJson,
  sha256File,
  sha256Hex,
  writeJsonAtomic,
} from '../core/files.js';
import { homePaths } from '../core/paths.js';
import type { Reporter } from '../core/output.js';
import { EIP170_LIMIT, VERIFIER_SOURCE_UNIT, compileSolidity } from '../chain/solc.js';
import { installSolcShim, takeCompiledBesideSource } from '../chain/solcShim.js';
import type { Artifacts } from '../proof/artifacts.js';
import { type PythonEngine, getPythonEngine } from './pythonEngine.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';
import { shapeFromSingleVerifier, shapeFromVka } from '../proof/transcript.js';
import { parseVka } from '../proof/verifierCache.js';
import {
  type EvmVerifier,
  type KeyFiles,
  readArtifactsVerifier,
  type VerifierLayout,
} from '../proof/verifierRecord.js';

/**
 * Emits EZKL's verifier for a key and compiles it, in `dir` (a directory being built). `auto` picks
 * the single contract when its runtime code fits EIP-170 (24,576 bytes), and otherwise EZKL's
 * reusable verifier with its VKA.
 */
export async function buildEvmVerifier(
  key: KeyFiles,
  dir: string,
  options: { layout?: VerifierLayout | 'auto'; engine?: PythonEngine; reporter?: Reporter } = {},
): Promise<EvmVerifier> {
  const wanted = options.layout ?? 'auto';
  const engine = options.engine ?? (await getPythonEngine(options.reporter));
  await installSolcShim(homePaths.engine());
  if (wanted !== 'reusable') {
    const single = await buildLayout(engine, key, dir, 'single');
    if (wanted === 'single' || single.verifier.runtimeSize <= EIP170_LIMIT)
      return {
        ...single,
        reason:
          wanted === 'single'
            ? 'asked for (--layout single)'
            : `single contract: ${single.verifier.runtimeSize} bytes of runtime code fits the ${EIP170_LIMIT}-byte EIP-170 limit`,
      };
    return {
      ...(await buildLayout(engine, key, dir, 'reusable')),
      reason: `reusable verifier + VKA: the single verifier's runtime code is ${single.verifier.runtimeSize} bytes, over the ${EIP170_LIMIT}-byte EIP-170 limit`,
    };
  }
  return {
    ...(await buildLayout(engine, key, dir, 'reusable')),
    reason: 'asked for (--layout reusable)',
  };
}

async function buildLayout(
  engine: PythonEngine,
  key: KeyFiles,
  dir: string,
  layout: VerifierLayout,
): Promise<Omit<EvmVerifier, 'reason'>> {
  // Absolute: the solc shim keeps its compile only for a source it can name (see solcShimMain.ts).
  const sol = resolve(dir, `${layout}.sol`);
  const vkaPath = join(dir, 'vka.bin');
  const ops = [
    {
      op: 'create_evm_verifier',
      args: { ...key, sol, abi: join(dir, `${layout}.abi`), reusable: layout === 'reusable' },
    },
    ...(layout === 'reusable' ? [{ op: 'create_evm_vka', args: { ...key, vka: vkaPath } }] : []),
  ];
  await engine.run(ops);
  const source = await readFile(sol, 'utf8');
  // EZKL compiled it (for the ABI) through pocompute's solc shim, which compiled it as pocompute
  // does and kept the contracts; compiling here happens only if EZKL did not ask solc.
  const compiled =
    (await takeCompiledBesideSource(sol, source)) ??
    compileSolidity({ [VERIFIER_SOURCE_UNIT]: source });
  const vka = layout === 'reusable' ? parseVka(await readFile(vkaPath)) : undefined;
  const name = layout === 'single' ? 'Halo2Verifier' : 'Halo2VerifierReusable';
  const c = compiled.contracts[name];
  if (!c)
    throw new PocomputeError(
      'ENGINE_FAILED',
      `EZKL's ${layout} verifier source has no contract ${name}`,
    );
  return {
    layout,
    verifier: {
      name,
      abi: c.abi,
      bytecode: c.bytecode,
      deployedBytecode: c.deployedBytecode,
      runtimeSize: c.runtimeSize,
    },
    ...(vka ? { vka } : {}),
    shape: vka ? shapeFromVka(vka) : shapeFromSingleVerifier(source),
    compilerVersion: compiled.compilerVersion,
  };
}

/**
 * The verifier of compiled artifacts in a layout: their own (written at compile time), or, for the
 * other layout (`deploy-verifier --layout`), emitted once into `evm/<layout>` beside them.
 */
export async function emitEvmVerifier(
  artifacts: Artifacts,
  options: { layout?: VerifierLayout | 'auto'; reporter?: Reporter } = {},
): Promise<EvmVerifier> {
  const own = await readArtifactsVerifier(artifacts);
  const wanted = options.layout ?? 'auto';
  if (wanted === 'auto' || wanted === own.layout) return own;
  const dir = join(artifacts.dir, 'evm', wanted);
  const recordPath = join(dir, 'contracts.json');
  if (!existsSync(recordPath)) {
    const build = () =>
      buildDirAtomic(dir, async (tmp) => {
        const evm = await buildEvmVerifier(
          {
            vk: artifacts.path('vk.key'),
            settings: artifacts.path('settings.json'),
            srs: artifacts.manifest.srs.path,
          },
          tmp,
          { layout: wanted, reporter: options.reporter },
        );
        await writeJsonAtomic(join(tmp, 'contracts.json'), evm);
      });
    if (options.reporter)
      await options.reporter.step(
        `Emitting and compiling the ${wanted} Solidity verifier (solc 0.8.20)`,
        build,
        `emit-${wanted}`,
      );
    else await build();
  }
  return JSON.parse(await readFile(recordPath, 'utf8'));
}

/**
 * EZKL's verifier for key files given by path (`verify --vk --settings --srs`): emitted by the
 * native engine and compiled once per (vk, settings, SRS) content, then read from
 * `~/.pocompute/verifiers/<sha256>/contracts.json` without Python or solc.
 */
export async function verifierForKey(key: KeyFiles): Promise<EvmVerifier> {
  const hashes = async (files: KeyFiles) => ({
    vk: await sha256File(files.vk),
    settings: await sha256File(files.settings),
    srs: await sha256File(files.srs),
  });
  const hashed = await hashes(key);
  const id = sha256Hex(canonicalJson({ ...hashed, ezkl: EZKL_VERSION }));
  const dir = join(homePaths.verifiers(), id);
  const recordPath = join(dir, 'contracts.json');
  if (!existsSync(recordPath))
    await buildDirAtomic(dir, async (tmp) => {
      // The files are copied first: what is emitted is what was hashed.
      const copy: KeyFiles = {
        vk: join(tmp, 'vk.key'),
        settings: join(tmp, 'settings.json'),
        srs: join(tmp, 'kzg.srs'),
      };
      await Promise.all([
        copyFile(key.vk, copy.vk),
        copyFile(key.settings, copy.settings),
        copyFile(key.srs, copy.srs),
      ]);
      // …and the copies are what the id names: a file replaced between hashing and copying would
      // otherwise leave another key's verifier under this key's id.
      const copied = await hashes(copy);
      const changed = (['vk', 'settings', 'srs'] as const).filter((f) => copied[f] !== hashed[f]);
      if (changed.length)
        throw new PocomputeError(
          'SETTINGS_MISMATCH',
          `${changed.map((f) => key[f]).join(', ')} changed while pocompute read it`,
          { hint: 'Run the command again once nothing is writing the key files.' },
        );
      const evm = await buildEvmVerifier(copy, tmp);
      await rm(copy.srs);
      await writeJsonAtomic(join(tmp, 'contracts.json'), evm);
    });
  return JSON.parse(await readFile(recordPath, 'utf8'));
}
