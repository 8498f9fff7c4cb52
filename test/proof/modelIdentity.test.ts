import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { modelIdentity } from '../../src/proof/modelIdentity.js';
import { readModelIdentity } from '../../src/proof/readModelIdentity.js';

const { onnx } = onnxProto;

/** The identity as it was computed with node:crypto before it ran in the browser too. */
function nodeIdentity(bytes: Uint8Array) {
  const model = onnx.ModelProto.decode(bytes);
  const weights = createHash('sha256');
  const initializers = [...(model.graph?.initializer ?? [])].sort((a, b) =>
    (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0,
  );
  for (const tensor of initializers) {
    const encoded = onnx.TensorProto.encode(tensor).finish();
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(encoded.length));
    weights.update(length).update(encoded);
  }
  return {
    onnxSha256: createHash('sha256').update(bytes).digest('hex'),
    weightsSha256: weights.digest('hex'),
  };
}

describe('modelIdentity (browser-safe sha256, the code the receipt page runs)', () => {
  for (const fixture of ['mlp', 'cnn', 'real/lenet']) {
    it(`equals the node:crypto identity on fixtures/${fixture}`, async () => {
      const path = join(PACKAGE_ROOT, 'fixtures', fixture, 'model.onnx');
      const bytes = readFileSync(path);
      const identity = modelIdentity(bytes);
      expect(identity).toMatchObject(nodeIdentity(bytes));
      expect(identity.onnxSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await readModelIdentity(path)).toEqual(identity);
    });
  }
});
