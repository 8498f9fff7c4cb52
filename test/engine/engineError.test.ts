import { describe, expect, it } from 'vitest';
import { engineError } from '../../src/engine/pythonEngine.js';

describe('engineError: EZKL failures as pocompute errors', () => {
  it('names the ops EZKL logged as unknown when it says only "General synthesis error"', () => {
    const error = engineError(
      {
        op: 'gen_settings',
        type: 'RuntimeError',
        message: 'Failed to generate settings: [graph] [halo2] General synthesis error',
      },
      'Unknown op: TreeEnsembleClassifier\nUnknown op: DirectLookup\nunsupported operation',
    );
    expect(error.code).toBe('ONNX_UNSUPPORTED');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      'does not support the ops TreeEnsembleClassifier, DirectLookup',
    );
    expect(error.message).toContain('an EZKL limit');
    expect(error.message).toContain('General synthesis error');
  });

  it("names only the model's own ops when the model's op list is known", () => {
    const error = engineError(
      { op: 'gen_settings', type: 'RuntimeError', message: 'General synthesis error' },
      'Unknown op: TreeEnsembleClassifier\nUnknown op: DirectLookup',
      ['TreeEnsembleClassifier'],
    );
    expect(error.message).toContain('does not support the op TreeEnsembleClassifier (');
  });

  it("names an op from EZKL's own message", () => {
    const error = engineError({
      op: 'compile_circuit',
      type: 'RuntimeError',
      message: 'Failed to compile: [graph] Unimplemented(Det)',
    });
    expect(error.code).toBe('ONNX_UNSUPPORTED');
    expect(error.message).toMatch(/does not support the op Det .*an EZKL limit/);
  });

  it('keeps other failures, and failures outside model translation, as ENGINE_FAILED', () => {
    expect(engineError({ op: 'gen_settings', type: 'IOError', message: 'disk full' }).code).toBe(
      'ENGINE_FAILED',
    );
    expect(engineError({ op: 'prove', type: 'RuntimeError', message: 'unsupported' }).code).toBe(
      'ENGINE_FAILED',
    );
  });
});
