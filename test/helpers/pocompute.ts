import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fixturePath, PACKAGE_ROOT } from '../../src/core/paths.js';
import { compileModel } from '../../src/prover/compileModel.js';
import type { CompileResult } from '../../src/proof/artifacts.js';
import { proveInference, type ProveInferenceResult } from '../../src/prover/proveInference.js';

export interface CliResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** Runs the built CLI (bin/pocompute.js → dist/) as a user would, without a TTY. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<CliResult> {
  return startCli(args, env, cwd).result;
}

/** Starts the built CLI and hands back the child too (to signal it), with its result to come. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pocompute.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += c));
    child.stderr?.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, json: () => JSON.parse(stdout) }),
    );
  });
  return { child, result };
}

/** Runs any command to completion without a terminal (stdin closed), as CI would. */
export function runCommandLine(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) })
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

export const fixtureModel = (name: string) => fixturePath(name, 'model.onnx');
export const fixtureInput = (name: string) => fixturePath(name, 'input.json');

/** Compiles a fixture once per run: later calls hit the content-addressed artifacts cache on disk. */
export function compiledFixture(name: string): Promise<CompileResult> {
  return compileModel({ model: fixtureModel(name), input: fixtureInput(name) });
}

export function tempDir(prefix = 'pocompute-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Proves a fixture on its own input into a fresh temporary bundle. */
export function provedFixture(name: string): Promise<ProveInferenceResult> {
  return proveInference({
    target: fixtureModel(name),
    input: fixtureInput(name),
    out: join(tempDir(), `${name}.proof`),
  });
}

/**
 * Makes a proof well-formed but wrong: flips the low bit of its last evaluation (a scalar that
 * stays < r; the two opening points follow it), in both of EZKL's copies of the bytes. A flipped
 * byte in a G1 point would instead be malformed (off the curve: BUNDLE_INVALID, exit 2).
 */
export function alterEvaluation(proof: { proof: number[]; hex_proof?: string | null }): void {
  const i = proof.proof.length - 128 - 1;
  proof.proof[i] ^= 1;
  proof.hex_proof = `0x${Buffer.from(proof.proof).toString('hex')}`;
}

/** Every bad input gets one clear line, a hint and its documented exit code. */
export function expectCliError(result: CliResult, code: string, exit: number): void {
  expect(result.code).toBe(exit);
  const error = result.json().error;
  expect(error.code).toBe(code);
  expect(error.message).not.toContain('\n');
  expect(error.hint.length).toBeGreaterThan(10);
}
