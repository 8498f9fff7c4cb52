import { cosmiconfig } from 'cosmiconfig';
import { z } from 'zod';
import { PocomputeError } from './errors.js';

/** What a user may write in pocompute.config.{json,js,…} or under "pocompute" in package.json. */
export const userConfigSchema = z
  .object({
    python: z
      .string()
      .optional()
      .describe('Python interpreter that has ezkl==21.0.0 (skips the managed venv)'),
    engine: z.enum(['native', 'wasm']).optional().describe('Which EZKL engine proves'),
    srs: z.string().optional().describe('SRS: a file path, "dev" or "download"'),
    artifactsDir: z.string().optional(),
    rpc: z.string().optional(),
    keyEnv: z.string().optional(),
  })
  .strict();

export type UserConfig = z.infer<typeof userConfigSchema>;

export interface ResolvedConfig {
  python?: string;
  engine: 'native' | 'wasm';
  srs: string;
  artifactsDir?: string;
  rpc?: string;
  keyEnv: string;
  configFile?: string;
}

let cached: { config: UserConfig; file?: string } | undefined;

export async function loadUserConfig(
  searchFrom = process.cwd(),
): Promise<{ config: UserConfig; file?: string }> {
  if (cached) return cached;
  let found: Awaited<ReturnType<ReturnType<typeof cosmiconfig>['search']>>;
  try {
    found = await cosmiconfig('pocompute').search(searchFrom);
  } catch (error) {
    throw new PocomputeError(
      'CONFIG_INVALID',
      `cannot read the pocompute config: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!found || found.isEmpty) {
    cached = { config: {} };
    return cached;
  }
  const parsed = userConfigSchema.safeParse(found.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'CONFIG_INVALID',
      `${found.filepath}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  cached = { config: parsed.data, file: found.filepath };
  return cached;
}

/** Precedence, resolved once: flags > environment > config file > defaults. */
export async function resolveConfig(flags: Partial<UserConfig> = {}): Promise<ResolvedConfig> {
  const { config, file } = await loadUserConfig();
  const env: Partial<UserConfig> = {
    python: process.env.POCOMPUTE_PYTHON || undefined,
    engine: (process.env.POCOMPUTE_ENGINE as UserConfig['engine']) || undefined,
    srs: process.env.POCOMPUTE_SRS || undefined,
    rpc: process.env.POCOMPUTE_RPC || undefined,
  };
  const pick = <K extends keyof UserConfig>(key: K): UserConfig[K] =>
    flags[key] ?? env[key] ?? config[key];
  const engine = pick('engine') ?? 'native';
  if (engine !== 'native' && engine !== 'wasm')
    throw new PocomputeError(
      'OPTION_INVALID',
      `engine must be "native" or "wasm", not "${engine}"`,
    );
  return {
    python: pick('python'),
    engine,
    srs: pick('srs') ?? 'dev',
    artifactsDir: pick('artifactsDir'),
    rpc: pick('rpc'),
    keyEnv: pick('keyEnv') ?? 'POCOMPUTE_PRIVATE_KEY',
    configFile: file,
  };
}

export function resetConfigCache(): void {
  cached = undefined;
}
