import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errorCodes.js';
import { PocomputeError, oneLine, toPocomputeError } from '../../src/core/errors.js';

describe('PocomputeError', () => {
  it('carries the exit code and default hint of its code', () => {
    const error = new PocomputeError('PROOF_INVALID', 'bad proof');
    expect(error.exitCode).toBe(1);
    expect(error.hint).toBe(ERROR_CODES.PROOF_INVALID.hint);
  });

  it('flattens multi-line engine messages into one line', () => {
    expect(oneLine('first\n   second\n\nthird')).toBe('first second third');
    expect(new PocomputeError('ENGINE_FAILED', 'a\nb').message).toBe('a b');
  });

  it('wraps foreign errors as INTERNAL and keeps the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toPocomputeError(cause);
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBe(cause);
  });
});
