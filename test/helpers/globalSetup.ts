import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every test run works in one temporary directory, removed when the run ends: the tests' own
 * directories, pocompute's temporaries (TMPDIR points there) and, unless one is given, the
 * pocompute home (managed venv, SRS, artifacts) — so tests never touch a user's ~/.pocompute and
 * leave nothing behind in /tmp. CI passes the clone's fresh .pocompute as the home.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'pocompute-test-run-'));
  process.env.TMPDIR = root;
  if (!process.env.POCOMPUTE_HOME) {
    process.env.POCOMPUTE_HOME = join(root, 'home');
    mkdirSync(process.env.POCOMPUTE_HOME);
  }
  process.env.NO_COLOR = '1';
  return () => rmSync(root, { recursive: true, force: true });
}
