import type { z } from 'zod';
import type { CompileResult } from '../compileModel.js';
import type { runArgsSchema } from '../../proof/circuitChoice.js';

/** The compiled stages of a split model: one ordinary artifacts directory per stage. */
export interface StagedArtifacts {
  /** The record's directory (`<artifacts root>/<name>-staged-<key>`). */
  dir: string;
  source: { name: string; sha256: string };
  stages: CompileResult[];
  /** The whole model's circuit choice (absent when the stages were found by model hash). */
  runArgs?: z.infer<typeof runArgsSchema>;
}
