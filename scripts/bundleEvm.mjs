// Bundles the in-process EVM's dependencies into dist/src/proof/evmRuntime.js (see
// src/proof/evmRuntime.ts for why). Run by `npm run build` after tsc; without it the unbundled
// re-exports still work, only slower to load.
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'dist', 'src', 'proof', 'evmRuntime.js');
if (!existsSync(file)) throw new Error(`${file} is missing: run tsc first`);
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
// Already bundled (this script ran twice after one tsc): bundling the bundle would break it.
if ((await readFile(file, 'utf8')).startsWith(BANNER)) process.exit(0);

// rustbn-wasm decodes its embedded WebAssembly with @scure/base (~100 ms in JavaScript); Node's
// own base64 decoder does the same in about a millisecond. Only rustbn-wasm imports it here.
const nativeBase64 = {
  name: 'native-base64',
  setup(b) {
    b.onResolve({ filter: /^@scure\/base$/ }, (args) =>
      args.importer.includes('rustbn-wasm') ? { path: 'base64', namespace: 'native' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'native' }, () => ({
      contents:
        "export const base64 = { decode: (text) => new Uint8Array(Buffer.from(text, 'base64')) };",
      loader: 'js',
    }));
  },
};

// mcl-wasm turns its embedded WebAssembly into bytes with atob and a per-character map (~40 ms);
// Buffer decodes the same base64 natively. The pinned version's exact line is replaced, or the
// build fails: a silent no-op would only show up as a slower `verify`.
const MCL_DECODE = 'Uint8Array.from(atob(wasmBase64), function (c) { return c.charCodeAt(0); })';
const nativeMclDecode = {
  name: 'native-mcl-decode',
  setup(b) {
    b.onLoad({ filter: /mcl-wasm[\\/]dist[\\/]mcl_c\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(MCL_DECODE))
        throw new Error(
          `${args.path}: mcl-wasm's WebAssembly decoding changed; update bundleEvm.mjs`,
        );
      return {
        contents: source.replace(MCL_DECODE, "new Uint8Array(Buffer.from(wasmBase64, 'base64'))"),
        loader: 'js',
      };
    });
  },
};

await build({
  entryPoints: [file],
  outfile: file,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'eof',
  sourcemap: false,
  plugins: [nativeBase64, nativeMclDecode],
  // CommonJS dependencies (debug) require Node's built-ins: give the ES module a require.
  banner: { js: BANNER },
  logLevel: 'warning',
});
// tsc's source map describes the re-exports, not the bundle.
rmSync(`${file}.map`, { force: true });
