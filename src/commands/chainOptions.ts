import { z } from 'zod';
import type { ChainOptions } from '../chain/chainContext.js';
import { defineOptions, option, type OptionsOf } from '../core/cliOptions.js';
import { resolveConfig } from '../core/config.js';

/** The options of every command that talks to a chain. */
export const chainOptions = defineOptions({
  rpc: option(
    z.string().url('must be an http(s) or ws(s) URL').optional(),
    '<url>',
    'EVM JSON-RPC URL (default: a running `pocompute chain`, else an embedded anvil)',
  ),
  chainId: option(
    z.coerce.number().int().positive().optional(),
    '<id>',
    'fail unless the RPC serves this chain id',
  ),
  keyEnv: option(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    '<name>',
    'environment variable holding the private key (default POCOMPUTE_PRIVATE_KEY)',
  ),
  keystore: option(
    z.string().optional(),
    '<file>',
    'encrypted JSON keystore (password from POCOMPUTE_KEYSTORE_PASSWORD or a prompt)',
  ),
  passwordEnv: option(
    z.string().optional(),
    '<name>',
    'environment variable holding the keystore password',
  ),
});

export async function chainOptionsFrom(o: OptionsOf<typeof chainOptions>): Promise<ChainOptions> {
  const config = await resolveConfig({ rpc: o.rpc, keyEnv: o.keyEnv });
  return {
    rpc: config.rpc,
    chainId: o.chainId,
    keyEnv: config.keyEnv,
    keystore: o.keystore,
    passwordEnv: o.passwordEnv,
  };
}
