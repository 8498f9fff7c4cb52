/**
 * Everything the in-process EVM needs from its dependencies, in one module. `npm run build` replaces
 * its compiled form (dist/src/proof/evmRuntime.js) with one tree-shaken file (scripts/bundleEvm.mjs):
 * loading @ethereumjs' ~250 modules one by one, and the BN254 libraries decoding their WebAssembly
 * with JavaScript base64 decoders, cost a cold `pocompute verify` about 350 ms. Run from source (tests),
 * it is these plain re-exports. rustbn-wasm (a slower BN254 backend, for comparisons) is not here:
 * it is imported only when asked for (useBn254Backend).
 */
export { EVM, EVMMockBlockchain, NobleBN254, RustBN254 } from '@ethereumjs/evm';
export { Common, Mainnet } from '@ethereumjs/common';
export { SimpleStateManager } from '@ethereumjs/statemanager';
export { createAddressFromString } from '@ethereumjs/util';
import mcl from 'mcl-wasm';
export { mcl };
/**
 * Records V8's compiled code of the bundled runtime (see codeCache.ts). Only the bundle that
 * `npm run build` writes has it; run from source there is nothing to record.
 */
export const saveCodeCache: (() => void) | undefined = undefined;
