import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PocomputeError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import type { WasmThreadReply, WasmThreadRequest } from './wasmThreadMain.js';

/** Always the built file: under vitest the sources are TypeScript, but a worker needs JavaScript. */
const THREAD_MAIN = join(PACKAGE_ROOT, 'dist', 'src', 'prover', 'engine', 'wasmThreadMain.js');

/**
 * One worker thread holding the WASM engine, for one proving job: witness then proof. It is
 * unref'd, so it never keeps the process alive, and `close` ends it at once (Ctrl-C, errors).
 */
export class WasmThread {
  private readonly worker = new Worker(THREAD_MAIN);

  constructor() {
    this.worker.unref();
  }

  run(request: WasmThreadRequest): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        this.worker.off('message', onMessage);
        reject(new PocomputeError('ENGINE_FAILED', `EZKL (WASM) ${request.op}: ${error.message}`));
      };
      const onMessage = (reply: WasmThreadReply) => {
        this.worker.off('error', onError);
        if (reply.ok) resolve(reply.bytes);
        else {
          reject(
            new PocomputeError(
              'ENGINE_FAILED',
              `EZKL (WASM) ${request.op} failed: ${reply.message}`,
            ),
          );
        }
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(request);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
