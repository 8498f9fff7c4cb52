import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { venvPython } from '../../src/engine/managedVenv.js';
import {
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCommandLine,
  tempDir,
} from '../helpers/pocompute.js';

const exec = runCommandLine;

/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball>` in an empty directory
 * (no .npmrc: whatever the dependencies' install scripts do, they do as for any user) and a global
 * install.
 */
describe('the packed npm package', () => {
  const work = tempDir('pocompute-pack-');
  const project = join(work, 'project');
  const globalPrefix = join(work, 'global');
  let tarball = '';
  let files: string[] = [];
  // The machine's environment (its certificates, PATH) without pocompute's or npm's own
  // variables: only the test's POCOMPUTE_HOME, so the managed venv is not installed twice.
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(POCOMPUTE_|npm_)/i.test(k)),
    ),
    POCOMPUTE_HOME: process.env.POCOMPUTE_HOME,
    NO_COLOR: '1',
  };

  beforeAll(async () => {
    const packed = await exec('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: PACKAGE_ROOT,
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    tarball = join(work, info.filename);
    files = info.files.map((f: { path: string }) => f.path);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"consumer","version":"1.0.0"}\n');
    await exec('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env });
  });

  it('holds the built CLI, the library with its types, the engine worker and nothing else', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/pocompute.js',
        'dist/src/cli.js',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'src/engine/ezkl_worker.py',
        'contracts/PocomputeMarket.sol',
        'contracts/ReceiptConsumerExample.sol',
        'schemas/receipt.schema.json',
        // The receipt page `pocompute page` writes and serves, built by `npm run build`.
        'dist/src/page/receipt-page.html',
        'package.json',
        'README.md',
      ]),
    );
    const stray = files.filter((f) =>
      /^(test|bench|\.ci)\/|\.ts$(?<!\.d\.ts)|\.map$|^fixtures\/(?!mlp\/|README\.md$)/.test(f),
    );
    expect(stray).toEqual([]);
  });

  it('installed in an empty directory, `npx pocompute` proves and verifies', async () => {
    const bundle = join(project, 'mlp.proof');
    copyFileSync(fixtureModel('mlp'), join(project, 'model.onnx'));
    copyFileSync(fixtureInput('mlp'), join(project, 'input.json'));
    const prove = await exec(
      'npx',
      [
        '--no-install',
        'pocompute',
        'prove',
        'model.onnx',
        '--input',
        'input.json',
        '--out',
        bundle,
        '--json',
      ],
      { cwd: project, env },
    );
    const proved = JSON.parse(prove.stdout);
    expect(proved.ok).toBe(true);
    // The installed package is the fast one: the float model ran (onnxruntime is no optional
    // dependency npm may drop), so the optimiser searched and found the small circuit.
    expect(proved.floatReference).toBe('onnxruntime');
    expect(proved.artifacts).toMatchObject({ chosenBy: 'search', logrows: 10 });
    expect(existsSync(join(proved.artifacts.dir, 'manifest.json'))).toBe(true);
    const verify = await exec('npx', ['--no-install', 'pocompute', 'verify', bundle, '--json'], {
      cwd: project,
      env,
    });
    expect(JSON.parse(verify.stdout).valid).toBe(true);
  });

  it('its typed API works from the installed package', async () => {
    const script = join(project, 'api.mjs');
    writeFileSync(
      script,
      [
        "import { prove, verify, PocomputeError, EXIT } from 'pocompute';",
        "const proved = await prove({ target: 'model.onnx', input: 'input.json', out: 'api.proof' });",
        "const result = await verify({ bundle: 'api.proof', artifacts: proved.artifacts.dir });",
        "let code = '';",
        "try { await verify({ bundle: 'missing.proof' }); } catch (e) { code = e instanceof PocomputeError ? e.code : 'other'; }",
        'console.log(JSON.stringify({ valid: result.valid, code, usage: EXIT.usage }));',
      ].join('\n'),
    );
    const run = await exec(process.execPath, [script], { cwd: project, env });
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, code: 'FILE_NOT_FOUND', usage: 2 });
    expect(
      existsSync(join(project, 'node_modules', 'pocompute', 'dist', 'src', 'index.d.ts')),
    ).toBe(true);
  });

  it('installs from a git URL into an empty directory, and the demo passes there', async () => {
    // The repository's committed HEAD, as `npm install git+https://…` would fetch it: npm clones
    // it, installs its dev dependencies from the registry and runs its `prepare` (the build).
    const bare = join(work, 'pocompute.git');
    await exec('git', ['clone', '--quiet', '--bare', PACKAGE_ROOT, bare]);
    const fromGit = join(work, 'from-git');
    mkdirSync(fromGit);
    writeFileSync(join(fromGit, 'package.json'), '{"name":"consumer","version":"1.0.0"}\n');
    await exec('npm', ['install', '--no-audit', '--no-fund', `git+file://${bare}`], {
      cwd: fromGit,
      env,
    });
    // A home of its own (with the suite's engine), so the demo compiles with this install.
    const home = tempDir('pocompute-git-home-');
    const demo = await exec('npx', ['--no-install', 'pocompute', 'demo', '--json'], {
      cwd: fromGit,
      env: { ...env, POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: venvPython() },
    });
    const result = JSON.parse(demo.stdout);
    expect(result.verification.valid).toBe(true);
    // The optimiser ran (the float reference is there): the mlp fits 2^10 rows, not EZKL's 2^15.
    const manifest = JSON.parse(readFileSync(join(result.artifactsDir, 'manifest.json'), 'utf8'));
    expect(manifest.circuit).toMatchObject({ logrows: 10, choice: { strategy: 'search' } });
    expect(result.artifactsDir.startsWith(home)).toBe(true);
    expect(Number(result.market.workerBalanceDeltaEth)).toBeGreaterThan(0);
  });

  it('installs globally (`npm install -g`) and runs from the PATH', async () => {
    await exec(
      'npm',
      ['install', '-g', '--prefix', globalPrefix, '--no-audit', '--no-fund', tarball],
      {
        env,
      },
    );
    const version = await exec(join(globalPrefix, 'bin', 'pocompute'), ['--version'], { env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("runs the README's CI recipe: many bundles in one process, exit 1 when one is forged", async () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const recipe = readme.slice(
      readme.indexOf('<!-- ci-recipe:start -->'),
      readme.indexOf('<!-- ci-recipe:end -->'),
    );
    const commands = [...recipe.matchAll(/^\s*- run: (.+)$/gm)].map((m) => m[1]);
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    const vendored = `vendor/pocompute-${version}.tgz`;
    expect(commands[0]).toContain(`./${vendored}`);
    // The repository the recipe runs in: proofs to check and the four verifying files it trusts.
    const repo = join(work, 'ci-repo');
    const proved = await provedFixture('mlp');
    mkdirSync(join(repo, 'proofs'), { recursive: true });
    mkdirSync(join(repo, 'vendor'));
    copyFileSync(tarball, join(repo, vendored)); // what `npm pack` in a checkout writes
    writeFileSync(join(repo, 'package.json'), '{"name":"ci-repo","version":"1.0.0"}\n');
    for (const name of ['a', 'b'])
      copyFileSync(proved.bundlePath, join(repo, 'proofs', `${name}.proof`));
    // The prover's side, as the README says: export-key finds the key by the bundle's vk hash.
    const exported = await exec(
      join(project, 'node_modules', '.bin', 'pocompute'),
      ['export-key', proved.bundlePath, '--out', join(repo, 'keys', 'mlp'), '--json'],
      { env: { ...env, POCOMPUTE_ARTIFACTS_DIR: dirname(proved.artifacts.dir) } },
    );
    expect(JSON.parse(exported.stdout)).toMatchObject({
      ok: true,
      vkSha256: proved.bundle.artifacts.vkSha256,
    });
    const run = (command: string) =>
      spawnSync('bash', ['-c', command], {
        cwd: repo,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
    for (const command of commands) expect(run(command).status).toBe(0);
    const verdicts = readFileSync(join(repo, 'verdicts.jsonl'), 'utf8').trim().split('\n');
    expect(verdicts.map((line) => JSON.parse(line).ok)).toEqual([true, true]);
    // A forged output in one bundle fails the job, and the line for that bundle says why.
    const forged = JSON.parse(readFileSync(join(repo, 'proofs', 'b.proof'), 'utf8'));
    forged.public.outputs[0].values[0] += 1;
    writeFileSync(join(repo, 'proofs', 'b.proof'), JSON.stringify(forged));
    expect(run(commands[commands.length - 1]).status).toBe(1);
    const after = readFileSync(join(repo, 'verdicts.jsonl'), 'utf8').trim().split('\n');
    expect(after.map((line) => JSON.parse(line).ok)).toEqual([true, false]);
  });
});
