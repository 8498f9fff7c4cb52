import { z } from 'zod';
import { hexToBytes } from '../core/bytes.js';
import type { VerifierCode } from './evm.js';
import { shapeFromVka } from './transcript.js';

/** The bundle format `prove` writes (2: EZKL 23, the Solidity verifier inside). */
export const BUNDLE_FORMAT = 'pocompute-proof@2';

/**
 * The Solidity verifier a bundle carries (its `verifier` field), as solc 0.8.20 compiles EZKL's
 * source: a claim like the rest of the bundle, trusted only once it matches a trusted verifier or a
 * pinned code hash.
 */
export const bundleVerifierSchema = z
  .object({
    layout: z.enum(['single', 'reusable']),
    /** The verifier's runtime code (0x hex). */
    runtime: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x-prefixed hex bytes'),
    /** The reusable verifier's verifying-key artifact: bytes32 words. */
    vka: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a bytes32 word')).optional(),
  })
  .refine((v) => (v.layout === 'reusable') === (v.vka !== undefined), {
    message: 'a reusable verifier comes with its VKA, a single one without',
    path: ['vka'],
  });
export type BundleVerifier = z.infer<typeof bundleVerifierSchema>;

/**
 * The code runVerifier runs for a bundle's verifier. The reusable layout's proof shape is read from
 * its VKA; the single layout's is checked by the verifier's own length check.
 */
export function bundleVerifierCode(verifier: BundleVerifier): VerifierCode {
  const runtime = hexToBytes(verifier.runtime);
  if (verifier.layout === 'single') return { layout: 'single', runtime };
  const vka = verifier.vka ?? [];
  return { layout: 'reusable', runtime, vka, shape: shapeFromVka(vka) };
}
