import { describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../src/core/errors.js';
import {
  assertFelts,
  circuitLayout,
  positionalLabels,
  publicTensorsFromInstances,
} from '../../src/proof/circuitLayout.js';
import { BN254_R } from '../../src/proof/felts.js';

/** A felt as EZKL writes it: 32 bytes little-endian hex. */
const felt = (value: bigint) => {
  const v = value < 0n ? BN254_R + value : value;
  return (v.toString(16).padStart(64, '0').match(/../g) ?? []).reverse().join('');
};

const hashed = { Hashed: { hash_is_public: true, outlets: [] } };
const settings = (runArgs: Record<string, unknown>, shapes: number[][], hashes: number) => ({
  run_args: { logrows: 15, param_visibility: 'Fixed', ...runArgs },
  num_rows: 500,
  model_input_scales: [7],
  model_output_scales: [8, 8],
  model_instance_shapes: shapes,
  module_sizes: { polycommit: [], poseidon: [0, [hashes]] },
});

describe('circuitLayout (EZKL 21 instance order)', () => {
  it('reads public inputs then public outputs, with each scale and the circuit shapes', () => {
    const layout = circuitLayout(
      settings({ input_visibility: 'Public', output_visibility: 'Public' }, [[2], [1], [1, 2]], 0),
    );
    expect(layout.instanceCount).toBe(5);
    const instances = [128n, -64n, 256n, 512n, -256n].map(felt);
    const t = publicTensorsFromInstances(instances, layout, positionalLabels(layout));
    expect(t?.inputs[0]).toMatchObject({ dims: [2], values: [1, -0.5] });
    expect(t?.outputs.map((o) => o.values)).toEqual([[1], [2, -1]]);
  });

  it('puts input hashes, then param hashes, before the public outputs', () => {
    const layout = circuitLayout(
      settings(
        { input_visibility: hashed, output_visibility: 'Public', param_visibility: hashed },
        [[1], [1]],
        3,
      ),
    );
    expect(layout.paramHashes).toBe(2);
    const instances = [11n, 22n, 33n, 256n, 512n].map(felt);
    const t = publicTensorsFromInstances(instances, layout, positionalLabels(layout));
    expect(t?.inputs[0].hash).toEqual([felt(11n)]);
    expect(t?.outputs.map((o) => o.values)).toEqual([[1], [2]]);
  });

  it('puts hashed outputs after the public inputs', () => {
    const layout = circuitLayout(
      settings({ input_visibility: 'Public', output_visibility: hashed }, [[2]], 2),
    );
    const instances = [128n, 128n, 5n, 6n].map(felt);
    const t = publicTensorsFromInstances(instances, layout, positionalLabels(layout));
    expect(t?.outputs.map((o) => o.hash)).toEqual([[felt(5n)], [felt(6n)]]);
    // An instance count that does not fit is "not this circuit", not a guess.
    expect(publicTensorsFromInstances(instances.slice(1), layout, positionalLabels(layout))).toBe(
      undefined,
    );
  });

  it('refuses settings it cannot read, and felts that are not field elements', () => {
    const bad = [
      {},
      settings({ input_visibility: 'Sideways', output_visibility: 'Public' }, [[1]], 0),
      settings({ input_visibility: 'Public', output_visibility: 'Public', logrows: 99 }, [], 0),
      settings({ input_visibility: 'Private', output_visibility: 'Public' }, [[1]], 1),
    ];
    for (const s of bad) expect(() => circuitLayout(s)).toThrow(/settings/);
    for (const f of [felt(BN254_R - 1n).replace(/^../, 'zz'), `${'ff'.repeat(32)}`, '00']) {
      try {
        assertFelts([f]);
        expect.unreachable();
      } catch (error) {
        expect(isPocomputeError(error, 'BUNDLE_INVALID')).toBe(true);
      }
    }
  });
});
