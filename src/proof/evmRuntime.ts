/**
 * herumi's mcl (the in-process EVM's BN254 precompiles, WebAssembly), in one module loaded on first
 * use (evm.ts). `npm run build` replaces its compiled form
 * (dist/src/proof/evmRuntime.js) with one bundled file loaded with V8's code cache
 * (scripts/bundleEvm.mjs): mcl-wasm decodes its WebAssembly with a JavaScript base64 decoder, which
 * the bundle replaces by Buffer's. Run from source (tests), it is these plain re-exports.
 */
import mcl from 'mcl-wasm';
export { mcl };
/**
 * Records V8's compiled code of the bundled runtime (see codeCache.ts). Only the bundle that
 * `npm run build` writes has it; run from source there is nothing to record.
 */
export const saveCodeCache: (() => void) | undefined = undefined;
