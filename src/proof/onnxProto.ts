import { createRequire } from 'node:module';
import type OnnxProto from 'onnx-proto';

/**
 * onnx-proto's generated ONNX classes, loaded with `require`: the package is CommonJS (330 KB),
 * and an ESM `import` of it has Node scan its whole source for export names first, ~50 ms more
 * on every run that reads a model (prove, before EZKL gets its ops).
 */
export const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof OnnxProto;
