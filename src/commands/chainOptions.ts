import type { Command } from 'commander';
import { z } from 'zod';
import type { ChainOptions } from '../chain/chainContext.js';
import { resolveConfig } from '../core/config.js';

export const chainOptionsSchema = z.object({
  rpc: z.string().url('must be an http(s) or ws(s) URL').optional(),
  chainId: z.coerce.number().int().positive().optional(),
  keyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  keystore: z.string().optional(),
  passwordEnv: z.string().optional(),
});

/** The options of every command that talks to a chain. */
export function withChainOptions(command: Command): Command {
  return command
    .option(
      '--rpc <url>',
      'EVM JSON-RPC URL (default: a running `pocompute chain`, else an embedded anvil)',
    )
    .option('--chain-id <id>', 'fail unless the RPC serves this chain id')
    .option(
      '--key-env <name>',
      'environment variable holding the private key (default POCOMPUTE_PRIVATE_KEY)',
    )
    .option(
      '--keystore <file>',
      'encrypted JSON keystore (password from POCOMPUTE_KEYSTORE_PASSWORD or a prompt)',
    )
    .option('--password-env <name>', 'environment variable holding the keystore password');
}

export async function chainOptionsFrom(
  o: z.infer<typeof chainOptionsSchema>,
): Promise<ChainOptions> {
  const config = await resolveConfig({ rpc: o.rpc, keyEnv: o.keyEnv });
  return {
    rpc: config.rpc,
    chainId: o.chainId,
    keyEnv: config.keyEnv,
    keystore: o.keystore,
    passwordEnv: o.passwordEnv,
  };
}
