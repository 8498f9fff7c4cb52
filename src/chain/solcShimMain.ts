/**
 * A `solc` executable backed by the npm solc package, for EZKL: its create_evm_verifier compiles the
 * emitted Solidity with solc 0.8.20 found through svm, and would otherwise download one. EZKL calls
 * `solc --standard-json` with the input on stdin (and may call `solc --version`).
 *
 * EZKL compiles its verifier only to write the ABI beside the source; pocompute needs the same
 * source's bytecode. So a verifier source is compiled once, here, the way pocompute compiles it
 * (`solidityInput`: unit `Verifier.sol`, pocompute's optimizer settings, plus the outputs EZKL asks
 * for), and the contracts are also written beside the source (`compiledBesideSource`), where
 * `buildEvmVerifier` reads them instead of compiling again. EZKL's own optimizer setting would only
 * change the metadata hash (tested), and EZKL reads the ABI, which settings do not change.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { besideSource, type CompiledBesideSource } from './solcShim.js';
import {
  readSolidityOutput,
  type SolidityOutput,
  solidityInput,
  VERIFIER_SOURCE_UNIT,
} from './solc.js';

const solc = createRequire(import.meta.url)('solc') as {
  compile(input: string, callbacks?: object): string;
  version(): string;
};

export function runSolcCli(args: string[], stdin: () => string): { stdout: string; code: number } {
  if (args.includes('--version')) {
    return {
      stdout: `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
      code: 0,
    };
  }
  if (args.includes('--standard-json')) {
    const input = stdin();
    return {
      stdout: compileVerifier(input) ?? solc.compile(input, { import: importFile }),
      code: 0,
    };
  }
  return {
    stdout: `pocompute's solc shim supports only --version and --standard-json (got: ${args.join(' ')})\n`,
    code: 1,
  };
}

function importFile(path: string) {
  try {
    return { contents: readFileSync(path, 'utf8') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * One Solidity source given inline at an absolute path (EZKL's verifier): compiled as pocompute
 * compiles it, the contracts written beside the source, and the output returned under EZKL's name
 * for it. Anything else is undefined, and compiled as it was asked.
 */
function compileVerifier(text: string): string | undefined {
  let input: {
    language?: string;
    sources?: Record<string, { content?: unknown }>;
    settings?: { outputSelection?: Record<string, Record<string, unknown>> };
  };
  try {
    input = JSON.parse(text);
  } catch {
    return undefined;
  }
  const sources = Object.entries(input.sources ?? {});
  if (input.language !== 'Solidity' || sources.length !== 1) return undefined;
  const [[path, { content }]] = sources;
  if (typeof content !== 'string' || !isAbsolute(path) || !path.endsWith('.sol')) return undefined;
  const asked = Object.values(input.settings?.outputSelection?.['*'] ?? {}).flat();
  const extraOutputs = asked.filter((output): output is string => typeof output === 'string');
  const raw = JSON.parse(
    solc.compile(
      JSON.stringify(solidityInput({ [VERIFIER_SOURCE_UNIT]: content }, { extraOutputs })),
      { import: importFile },
    ),
  ) as Record<string, unknown>;
  let output: SolidityOutput | undefined;
  try {
    output = readSolidityOutput(raw, solc.version());
  } catch {
    // A source that does not compile: EZKL gets solc's errors, and nothing is written.
  }
  if (output) {
    const record: CompiledBesideSource = {
      sourceSha256: createHash('sha256').update(content).digest('hex'),
      output,
    };
    const target = besideSource(path);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(record));
      renameSync(tmp, target);
    } catch {
      // An unwritable directory only costs pocompute a compile of its own.
    }
  }
  return JSON.stringify(renamedSource(raw, VERIFIER_SOURCE_UNIT, path), null, 0);
}

/** solc's output with the source unit `from` named `to`, as the caller named its source. */
function renamedSource(raw: Record<string, unknown>, from: string, to: string): object {
  const rename = (table: unknown) => {
    if (!table || typeof table !== 'object' || !(from in table)) return table;
    const { [from]: entry, ...rest } = table as Record<string, unknown>;
    return { ...rest, [to]: entry };
  };
  const errors = (raw.errors as { sourceLocation?: { file?: string } }[] | undefined)?.map((e) =>
    e.sourceLocation?.file === from
      ? { ...e, sourceLocation: { ...e.sourceLocation, file: to } }
      : e,
  );
  return {
    ...raw,
    ...(errors ? { errors } : {}),
    contracts: rename(raw.contracts),
    sources: rename(raw.sources),
  };
}

if (process.argv[1]?.endsWith('solcShimMain.js')) {
  const { stdout, code } = runSolcCli(process.argv.slice(2), () => readFileSync(0, 'utf8'));
  process.stdout.write(stdout, () => process.exit(code));
}
