import { parentPort } from 'node:worker_threads';
import { clamped, wasmEngine } from './wasmEngine.js';

/**
 * The WASM engine's worker thread: EZKL's WASM prove is synchronous and takes seconds to minutes,
 * so it runs here, leaving the main thread free for the spinner and for Ctrl-C.
 */
export type WasmThreadRequest =
  | { op: 'genWitness'; compiled: Uint8Array; input: Uint8Array }
  | { op: 'prove'; witness: Uint8Array; pk: Uint8Array; compiled: Uint8Array; srs: Uint8Array };

export type WasmThreadReply = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

parentPort?.on('message', (request: WasmThreadRequest) => {
  try {
    const ezkl = wasmEngine();
    const bytes =
      request.op === 'genWitness'
        ? ezkl.genWitness(clamped(request.compiled), clamped(request.input))
        : ezkl.prove(
            clamped(request.witness),
            clamped(request.pk),
            clamped(request.compiled),
            clamped(request.srs),
          );
    parentPort?.postMessage({ ok: true, bytes } satisfies WasmThreadReply);
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    parentPort?.postMessage({ ok: false, message } satisfies WasmThreadReply);
  }
});
