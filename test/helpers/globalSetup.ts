import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every test run gets its own pocompute home (managed venv, SRS, artifacts) unless one is given,
 * so tests never touch a user's ~/.pocompute. CI passes the clone's fresh .pocompute.
 */
export default function setup(): void {
  process.env.POCOMPUTE_HOME ??= mkdtempSync(join(tmpdir(), 'pocompute-test-home-'));
  process.env.NO_COLOR = '1';
}
