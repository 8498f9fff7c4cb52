// Bundles the in-process EVM's dependencies into one CommonJS file, dist/src/proof/evmRuntime.cjs,
// and replaces tsc's dist/src/proof/evmRuntime.js by a module that loads it with V8's code cache
// (src/proof/codeCache.ts; see src/proof/evmRuntime.ts for why). Run by `npm run build` after tsc;
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

// The interpreter converts every word it stores (MSTORE, return data) between bigints and bytes
// with @ethereumjs/util's helpers: bigIntToBytes goes through a 0x-string checked by a regular
// expression, and setLength pads by spreading typed arrays into arrays. EZKL's verifiers do this tens
// of thousands of times per proof. The pinned version's exact lines are replaced by equivalent
// direct ones (same results, same errors for what the EVM passes), or the build fails.
const UTIL_PATCHES = [
  [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the dependency's source text, verbatim
    'const bytes = hexToBytes(`0x${padToEven(num.toString(16))}`);',
    'const bytes = hexToBytesNoble(padToEven(num.toString(16)));',
  ],
  [
    `        return right
            ? new Uint8Array([...msg, ...new Uint8Array(length - msg.length)])
            : new Uint8Array([...new Uint8Array(length - msg.length), ...msg]);`,
    `        const padded = new Uint8Array(length);
        padded.set(msg, right ? 0 : length - msg.length);
        return padded;`,
  ],
];
const fastUtilBytes = {
  name: 'fast-util-bytes',
  setup(b) {
    b.onLoad({ filter: /@ethereumjs[\\/]util[\\/]dist[\\/]esm[\\/]bytes\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      for (const [from, to] of UTIL_PATCHES) {
        if (!source.includes(from))
          throw new Error(`${args.path}: @ethereumjs/util changed; update bundleEvm.mjs`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
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
  plugins: [nativeMclDecode, fastUtilBytes],
  logLevel: 'warning',
});
// tsc's source map describes the re-exports, not the bundle.
rmSync(`${file}.map`, { force: true });

// The ES module the rest of dist/ imports: the bundle's exports, loaded with V8's code cache.
const names = Object.keys(createRequire(import.meta.url)(bundle)).filter(
  (n) => n !== 'saveCodeCache',
);
if (!names.includes('EVM')) throw new Error(`${bundle} does not export the EVM`);
await writeFile(
  file,
  `${LOADER_MARK} from src/proof/evmRuntime.ts: the bundle evmRuntime.cjs with V8's code cache.
import { loadWithCodeCache } from './codeCache.js';
const loaded = loadWithCodeCache(new URL('./evmRuntime.cjs', import.meta.url));
export const { ${names.join(', ')} } = loaded.exports;
export const saveCodeCache = loaded.save;
`,
);
