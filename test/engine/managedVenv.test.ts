import { describe, expect, it } from 'vitest';
import { pipReason } from '../../src/engine/managedVenv.js';

describe('pipReason', () => {
  it('names the index when no index offered the package', () => {
    const out =
      'Looking in indexes: http://127.0.0.1:9/simple\nERROR: Could not find a version that satisfies the requirement ezkl==21.0.0 (from versions: none)\nERROR: No matching distribution found for ezkl==21.0.0';
    expect(pipReason(out)).toMatch(/unreachable.*|looked in http:\/\/127\.0\.0\.1:9\/simple/);
    expect(pipReason(out)).toContain('127.0.0.1:9');
  });

  it("keeps pip's first ERROR line otherwise", () => {
    expect(
      pipReason(
        'Collecting ezkl\nERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n',
      ),
    ).toBe('Could not install packages due to an OSError: [Errno 28] No space left on device');
  });
});
