import type { InterfaceAbi } from 'ethers';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDirAtomic, writeJsonAtomic } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import type { Reporter } from '../core/output.js';
import { EIP170_LIMIT, compileSolidity } from '../chain/solc.js';
import { installSolcShim } from '../chain/solcShim.js';
import type { Artifacts } from '../prover/artifacts.js';
import { getPythonEngine } from '../prover/engine/pythonEngine.js';

export type VerifierLayout = 'single' | 'reusable';

export interface CompiledContract {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
  runtimeSize: number;
}

export interface EvmVerifier {
  layout: VerifierLayout;
  /** Why this layout was chosen, in words a user can act on. */
  reason: string;
  verifier: CompiledContract;
  /** The verifying-key artifact (reusable layout only). */
  vka?: CompiledContract;
  compilerVersion: string;
  dir: string;
}

const layoutDir = (artifacts: Artifacts, layout: VerifierLayout) =>
  join(artifacts.dir, 'evm', layout);

/**
 * Emits EZKL's Solidity verifier for compiled artifacts and compiles it with the pinned npm solc.
 * `auto` picks the single contract when its runtime code fits EIP-170 (24,576 bytes), and otherwise
 * EZKL's reusable verifier plus a separate verifying-key artifact (VKA).
 */
export async function emitEvmVerifier(
  artifacts: Artifacts,
  options: { layout?: VerifierLayout | 'auto'; reporter?: Reporter } = {},
): Promise<EvmVerifier> {
  const wanted = options.layout ?? 'auto';
  if (wanted !== 'reusable') {
    const single = await emitLayout(artifacts, 'single', options.reporter);
    if (wanted === 'single' || single.verifier.runtimeSize <= EIP170_LIMIT) {
      return {
        ...single,
        reason:
          wanted === 'single'
            ? 'asked for (--layout single)'
            : `single contract: ${single.verifier.runtimeSize} bytes of runtime code fits the ${EIP170_LIMIT}-byte EIP-170 limit`,
      };
    }
    const reusable = await emitLayout(artifacts, 'reusable', options.reporter);
    return {
      ...reusable,
      reason: `reusable verifier + VKA: the single verifier's runtime code is ${single.verifier.runtimeSize} bytes, over the ${EIP170_LIMIT}-byte EIP-170 limit`,
    };
  }
  return {
    ...(await emitLayout(artifacts, 'reusable', options.reporter)),
    reason: 'asked for (--layout reusable)',
  };
}

async function emitLayout(
  artifacts: Artifacts,
  layout: VerifierLayout,
  reporter?: Reporter,
): Promise<Omit<EvmVerifier, 'reason'>> {
  const dir = layoutDir(artifacts, layout);
  const recordPath = join(dir, 'contracts.json');
  if (!existsSync(recordPath)) {
    const build = () =>
      buildDirAtomic(dir, async (tmp) => {
        await installSolcShim(homePaths.engine());
        const engine = await getPythonEngine(reporter);
        const common = {
          vk: artifacts.path('vk.key'),
          settings: artifacts.path('settings.json'),
          srs: artifacts.manifest.srs.path,
        };
        const ops = [
          {
            op: 'create_evm_verifier',
            args: {
              ...common,
              sol: join(tmp, 'Verifier.sol'),
              abi: join(tmp, 'Verifier.abi'),
              reusable: layout === 'reusable',
            },
          },
        ];
        if (layout === 'reusable')
          ops.push({
            op: 'create_evm_vka',
            args: { ...common, sol: join(tmp, 'Vka.sol'), abi: join(tmp, 'Vka.abi') },
          } as (typeof ops)[number]);
        await engine.run(ops);
        const sources: Record<string, string> = {
          'Verifier.sol': await readFile(join(tmp, 'Verifier.sol'), 'utf8'),
        };
        if (layout === 'reusable')
          sources['Vka.sol'] = await readFile(join(tmp, 'Vka.sol'), 'utf8');
        const compiled = compileSolidity(sources);
        const pick = (name: string): CompiledContract => {
          const c = compiled.contracts[name];
          return {
            name,
            abi: c.abi,
            bytecode: c.bytecode,
            deployedBytecode: c.deployedBytecode,
            runtimeSize: c.runtimeSize,
          };
        };
        const record = {
          layout,
          compilerVersion: compiled.compilerVersion,
          verifier: pick(layout === 'single' ? 'Halo2Verifier' : 'Halo2VerifierReusable'),
          vka: layout === 'reusable' ? pick('Halo2VerifyingArtifact') : undefined,
        };
        await writeJsonAtomic(join(tmp, 'contracts.json'), record);
      });
    if (reporter)
      await reporter.step(
        `Emitting and compiling the ${layout} Solidity verifier (solc 0.8.20)`,
        build,
        `emit-${layout}`,
      );
    else await build();
  }
  const record = JSON.parse(await readFile(recordPath, 'utf8'));
  return { ...record, dir };
}
