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
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import {
  BESIDE_SOURCE_FORMAT,
  besideSource,
  type CompiledBesideSource,
  verifierInputSha256,
} from './solcShim.js';
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

/** What EZKL's create_evm_verifier sends: anything else is compiled exactly as asked. */
interface EzklVerifierInput {
  path: string;
  content: string;
  /** The contract outputs it selects for every file and contract (`'*'` → `'*'`). */
  outputs: string[];
}

/** EZKL's verifier request (tested against the one EZKL 23.0.5 sends), or undefined. */
function ezklVerifierInput(text: string): EzklVerifierInput | undefined {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { language, sources, settings, ...other } = (input ?? {}) as Record<string, unknown>;
  if (language !== 'Solidity' || Object.keys(other).length > 0) return undefined;
  const entries = Object.entries((sources ?? {}) as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [[path, source]] = entries;
  const content = (source as { content?: unknown } | null)?.content;
  if (typeof content !== 'string' || Object.keys(source as object).length !== 1) return undefined;
  if (!isAbsolute(path) || !path.endsWith('.sol')) return undefined;
  // Only the settings EZKL sends, with values that do not change the code pocompute makes.
  const { optimizer, outputSelection, evmVersion, libraries, ...rest } = (settings ?? {}) as Record<
    string,
    unknown
  >;
  if (Object.keys(rest).length > 0 || optimizer === undefined) return undefined;
  if (evmVersion !== undefined && evmVersion !== 'shanghai') return undefined;
  if (libraries !== undefined && Object.keys(libraries as object).length > 0) return undefined;
  const selection = outputSelection as Record<string, Record<string, unknown>> | undefined;
  if (!selection || Object.keys(selection).join() !== '*') return undefined;
  if (Object.keys(selection['*'] ?? {}).join() !== '*') return undefined;
  const outputs = selection['*']['*'];
  if (!Array.isArray(outputs) || !outputs.every((o) => typeof o === 'string')) return undefined;
  return { path, content, outputs };
}

/**
 * EZKL's verifier source, compiled as pocompute compiles it: the contracts are written beside the
 * source (for `takeCompiledBesideSource`), and the output is returned under EZKL's name for the
 * source. Undefined for any other input, or a source that does not compile: those are compiled
 * exactly as asked, so that solc's own answer (and errors) reach the caller.
 */
function compileVerifier(text: string): string | undefined {
  const asked = ezklVerifierInput(text);
  if (!asked) return undefined;
  const { path, content } = asked;
  const input = solidityInput({ [VERIFIER_SOURCE_UNIT]: content }, { extraOutputs: asked.outputs });
  const raw = JSON.parse(solc.compile(JSON.stringify(input), { import: importFile })) as Record<
    string,
    unknown
  >;
  let output: SolidityOutput;
  try {
    output = readSolidityOutput(raw, solc.version());
  } catch {
    return undefined;
  }
  const record: CompiledBesideSource = {
    format: BESIDE_SOURCE_FORMAT,
    inputSha256: verifierInputSha256(content),
    output,
  };
  const target = besideSource(path);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, target);
  } catch {
    // An unwritable directory only costs pocompute a compile of its own.
    rmSync(tmp, { force: true });
  }
  return JSON.stringify(renamedSource(raw, VERIFIER_SOURCE_UNIT, path));
}

/** solc's output with the source unit `from` named `to`, as the caller named its source. */
function renamedSource(raw: Record<string, unknown>, from: string, to: string): object {
  const rename = (table: unknown) => {
    if (!table || typeof table !== 'object' || !(from in table)) return table;
    const { [from]: entry, ...rest } = table as Record<string, unknown>;
    return { ...rest, [to]: entry };
  };
  // Warnings only (a source with errors is compiled as asked): named as the caller named it.
  const errors = (
    raw.errors as { sourceLocation?: { file?: string }; formattedMessage?: string }[] | undefined
  )?.map((e) => ({
    ...e,
    ...(e.formattedMessage
      ? { formattedMessage: e.formattedMessage.replaceAll(`--> ${from}:`, `--> ${to}:`) }
      : {}),
    ...(e.sourceLocation?.file === from
      ? { sourceLocation: { ...e.sourceLocation, file: to } }
      : {}),
  }));
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
