import { z } from 'zod';
import { PocomputeError } from './errors.js';

/**
 * Where the config is looked for, from the current directory up: cosmiconfig's places
 * (package.json "pocompute" key, .pocomputerc[.json|.yaml|.js…], .config/pocomputerc…,
 * pocompute.config.js|ts|mjs|cjs) plus pocompute.config.json and .yaml, which cosmiconfig 9
 * does not search by default although they are the names users reach for first.
 */
const configSearchPlaces = (defaults: string[]) => [
  ...defaults,
  'pocompute.config.json',
  'pocompute.config.yaml',
  'pocompute.config.yml',
];

/** What a user may write in pocompute.config.{json,js,…} or under "pocompute" in package.json. */
export const userConfigSchema = z
  .object({
    python: z
      .string()
      .optional()
      .describe('Python interpreter that has ezkl==23.0.5 (skips the managed venv)'),
    srs: z.string().optional().describe('SRS: a file path, "dev" or "download"'),
    artifactsDir: z.string().optional(),
    rpc: z
      .string()
      .regex(/^(https?|wss?):\/\/[^\s]+$/, 'must be an http(s):// or ws(s):// URL')
      .optional()
      .describe('JSON-RPC URL of the chain (POCOMPUTE_RPC)'),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional()
      .describe('Name of the environment variable that holds the private key'),
  })
  .strict();

export type UserConfig = z.infer<typeof userConfigSchema>;

export interface ResolvedConfig {
  python?: string;
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
  let found: Awaited<ReturnType<ReturnType<typeof import('cosmiconfig').cosmiconfig>['search']>>;
  try {
    // Loaded here: commands that never read a config (verify with --artifacts) do not pay for it.
    const { cosmiconfig, getDefaultSearchPlaces } = await import('cosmiconfig');
    const searchPlaces = configSearchPlaces(getDefaultSearchPlaces('pocompute'));
    found = await cosmiconfig('pocompute', { searchPlaces }).search(searchFrom);
  } catch (error) {
    throw new PocomputeError(
      'CONFIG_INVALID',
      `cannot read the pocompute config: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Fix the file named above (it must parse as JSON, YAML or a JS module).',
      },
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
      {
        hint: `Fix ${found.filepath}; its keys are ${Object.keys(userConfigSchema.shape).join(', ')}.`,
      },
    );
  }
  cached = { config: parsed.data, file: found.filepath };
  return cached;
}

/** Precedence, resolved once: flags > environment > config file > defaults. */
export async function resolveConfig(flags: Partial<UserConfig> = {}): Promise<ResolvedConfig> {
  const { config, file } = await loadUserConfig();
  const env = configFromEnvironment();
  const pick = <K extends keyof UserConfig>(key: K): UserConfig[K] =>
    flags[key] ?? env[key] ?? config[key];
  return {
    python: pick('python'),
    srs: pick('srs') ?? 'dev',
    artifactsDir: pick('artifactsDir'),
    rpc: pick('rpc'),
    keyEnv: pick('keyEnv') ?? 'POCOMPUTE_PRIVATE_KEY',
    configFile: file,
  };
}

/** The environment variables that stand for config keys (documented in docs/errors.md, "Configuration"). */
export const CONFIG_ENV_VARS = {
  python: 'POCOMPUTE_PYTHON',
  srs: 'POCOMPUTE_SRS',
  artifactsDir: 'POCOMPUTE_ARTIFACTS_DIR',
  rpc: 'POCOMPUTE_RPC',
} as const satisfies Partial<Record<keyof UserConfig, string>>;

function configFromEnvironment(): Partial<UserConfig> {
  const env: Partial<UserConfig> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV_VARS) as [keyof UserConfig, string][]) {
    const value = process.env[name];
    if (!value) continue;
    const parsed = userConfigSchema.shape[key].safeParse(value);
    if (!parsed.success) {
      throw new PocomputeError('CONFIG_INVALID', `${name}: ${parsed.error.issues[0].message}`, {
        hint: `Fix or unset the environment variable ${name}.`,
      });
    }
    (env as Record<string, unknown>)[key] = parsed.data;
  }
  return env;
}

export function resetConfigCache(): void {
  cached = undefined;
}
