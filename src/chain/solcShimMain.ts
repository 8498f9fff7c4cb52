/**
 * A `solc` executable backed by the npm solc package, for EZKL: its create_evm_verifier compiles the
 * emitted Solidity with solc 0.8.20 found through svm, and would otherwise download one. EZKL calls
 * `solc --version` and then `solc --standard-json` with the input on stdin.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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
    const importFile = (path: string) => {
      try {
        return { contents: readFileSync(path, 'utf8') };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    return { stdout: solc.compile(stdin(), { import: importFile }), code: 0 };
  }
  return {
    stdout: `pocompute's solc shim supports only --version and --standard-json (got: ${args.join(' ')})\n`,
    code: 1,
  };
}

if (process.argv[1]?.endsWith('solcShimMain.js')) {
  const { stdout, code } = runSolcCli(process.argv.slice(2), () => readFileSync(0, 'utf8'));
  process.stdout.write(stdout, () => process.exit(code));
}
