// Bundles the in-process EVM's BN254 dependency (mcl-wasm) into one CommonJS file,
// dist/src/proof/evmRuntime.cjs, and replaces tsc's dist/src/proof/evmRuntime.js by a module that
// loads it with V8's code cache (src/proof/codeCache.ts; see src/proof/evmRuntime.ts for why). Run by `npm run build` after tsc;
// without it the unbundled re-exports still work, only slower to load.
import { existsSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'dist', 'src', 'proof', 'evmRuntime.js');
if (!existsSync(file)) throw new Error(`${file} is missing: run tsc first`);
const bundle = join(root, 'dist', 'src', 'proof', 'evmRuntime.cjs');
const LOADER_MARK = '// Written by scripts/bundleEvm.mjs';
// Already bundled (this script ran twice after one tsc): the loader is not the source to bundle.
if ((await readFile(file, 'utf8')).startsWith(LOADER_MARK)) process.exit(0);

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
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'eof',
  sourcemap: false,
  plugins: [nativeMclDecode],
  logLevel: 'warning',
});
// tsc's source map describes the re-exports, not the bundle.
rmSync(`${file}.map`, { force: true });

// The ES module the rest of dist/ imports: the bundle's exports, loaded with V8's code cache.
const names = Object.keys(createRequire(import.meta.url)(bundle)).filter(
  (n) => n !== 'saveCodeCache',
);
if (!names.includes('mcl')) throw new Error(`${bundle} does not export mcl`);
await writeFile(
  file,
  `${LOADER_MARK} from src/proof/evmRuntime.ts: the bundle evmRuntime.cjs with V8's code cache.
import { loadWithCodeCache } from './codeCache.js';
const loaded = loadWithCodeCache(new URL('./evmRuntime.cjs', import.meta.url));
export const { ${names.join(', ')} } = loaded.exports;
export const saveCodeCache = loaded.save;
`,
);
