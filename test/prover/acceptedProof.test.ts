import { describe, expect, it } from 'vitest';
import { acceptedProof } from '../../src/prover/proveInference.js';

const input = JSON.stringify({ input_data: [[0.5, -1, 2]] });
const acceptanceProof = {
  input,
  witness: { outputs: [['0x01']] },
  proof: { instances: [['0x01']], hex_proof: '0x' },
};

describe("a first prove and the optimiser's acceptance proof", () => {
  it('takes the acceptance proof when it is of this very input', () => {
    const native = acceptedProof({ acceptanceProof }, input);
    expect(native?.proof).toBe(acceptanceProof.proof);
    expect(native?.witness).toBe(acceptanceProof.witness);
  });

  it('proves again for any other input, or the same written otherwise', () => {
    expect(acceptedProof({ acceptanceProof }, JSON.stringify({ input_data: [[0.5, -1, 3]] }))).toBe(
      undefined,
    );
    expect(acceptedProof({ acceptanceProof }, `${input} `)).toBeUndefined();
  });

  it('proves when compile kept no acceptance proof (EZKL setup, or a search that proved nothing)', () => {
    expect(acceptedProof({}, input)).toBeUndefined();
  });
});
