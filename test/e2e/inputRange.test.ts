import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompileResult } from '../../src/proof/artifacts.js';
import { genWitnessBytes } from '../../src/prover/stages/witnessStages.js';
import { useAnvil } from '../helpers/anvil.js';
import { marketWithMlp } from '../helpers/market.js';
import {
  type CliResult,
  compiledFixture,
  fixtureModel,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * An input value the circuit cannot hold (1e308 past EZKL's 64-bit fixed point, 1e6 past the mlp
 * circuit's range check on its inputs) is the user's input error — exit 2, one line naming the
 * input, its position and value — found before the engine runs; never EZKL's ENGINE_FAILED (exit 3).
 */
const anvil = useAnvil();

describe("inputs outside the circuit's range are input errors (exit 2) naming the value", () => {
  let mlp: CompileResult;
  let dir: string;
  const inputWith = async (name: string, first: number) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ input_data: [[first, 0.1762, -0.8311, 0.3274]] }));
    return path;
  };

  beforeAll(async () => {
    mlp = await compiledFixture('mlp');
    dir = tempDir();
  });

  /** Exit 2, INPUT_INVALID, one line naming the value, a hint, no stack trace. */
  const expectNamed = (
    result: CliResult,
    value: RegExp,
    hint = /range the circuit was compiled for/,
  ) => {
    expect(result.code, result.stdout + result.stderr).toBe(2);
    const { error } = result.json();
    expect(error).toMatchObject({ code: 'INPUT_INVALID', exitCode: 2 });
    expect(error.message).toMatch(value);
    expect(error.message).not.toContain('\n');
    expect(error.hint).toMatch(hint);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  };

  it('prove refuses 1e308 and 1e6 before the engine runs, and writes nothing', async () => {
    for (const [value, named] of [
      [1e308, /^input "x" value 0 \(1e\+308\) does not fit the circuit's fixed point/],
      [
        1e6,
        /^input "x" value 0 \(1000000\) is outside the circuit's range: .* 8192000000, beyond ±4294967295/,
      ],
    ] as const) {
      const input = await inputWith(`prove-${value}.json`, value);
      const out = join(dir, `prove-${value}.proof`);
      // The mlp's artifacts (compiled once) and the model path that finds them.
      for (const target of [mlp.dir, fixtureModel('mlp')]) {
        const result = await runCli(['prove', target, '--input', input, '--out', out, '--json']);
        expectNamed(result, named);
        expect(existsSync(out)).toBe(false);
      }
      // Human output: the error line and its hint, nothing else on stderr.
      const human = await runCli(['prove', mlp.dir, '--input', input, '--out', out]);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(
        /^error INPUT_INVALID: input "x" value 0 [^\n]+\nhint: [^\n]+\n$/,
      );
      expect(existsSync(out)).toBe(false);
    }
  });

  it('compile refuses a sample no calibration can hold, before EZKL runs, and builds nothing', async () => {
    for (const [value, named] of [
      [1e308, /^input "x" value 0 \(1e\+308\) does not fit the circuit's fixed point/],
      [1e6, /^input "x" value 0 \(1000000\) is outside the circuit's range: .*every calibration/],
    ] as const) {
      const root = tempDir();
      const input = await inputWith(`compile-${value}.json`, value);
      const args = ['compile', fixtureModel('mlp'), '--input', input, '--artifacts-root', root];
      expectNamed(await runCli([...args, '--json']), named);
      expect(readdirSync(root)).toEqual([]);
    }
  });

  it("a value within the range check but outside the circuit's calibration names it, with EZKL's words", async () => {
    // 262143 quantizes within 256^4 but overflows the mlp's intermediate range checks.
    const input = await inputWith('calibrated.json', 262143);
    const out = join(dir, 'calibrated.proof');
    const result = await runCli(['prove', mlp.dir, '--input', input, '--out', out, '--json']);
    expectNamed(
      result,
      /^input "x" value 0 \(262143\) is outside the range the circuit was calibrated for \(\[-0\.8311, 1\.9658\].*General synthesis error/,
    );
    expect(existsSync(out)).toBe(false);
    // Values inside the calibration range that EZKL witnesses are untouched.
    const fine = await inputWith('fine.json', 1000);
    const proved = await runCli(['prove', mlp.dir, '--input', fine, '--out', out, '--json']);
    expect(proved.code, proved.stderr).toBe(0);
  });

  it('a task witness that fails says which input value is the cause', async () => {
    const failed = await genWitnessBytes(mlp, { input_data: [[1e6, 0, 0, 0]] }, 'model 1').catch(
      (e) => e,
    );
    expect(failed).toMatchObject({ code: 'ENGINE_FAILED', details: { witnessFailed: true } });
    expect(failed.message).toMatch(
      /^EZKL genWitness failed for model 1: .*\(input "x" value 0 \(1000000\) is outside the circuit's range/,
    );
  });

  it('task post refuses 1e308 and 1e6 (exit 2), naming the input', async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const market = await marketWithMlp(anvil().rpcUrl, keys);
    try {
      const post = ['task', 'post', '--model', String(market.modelId), '--market', market.address];
      const rpc = ['--rpc', anvil().rpcUrl, '--reward', '0.01', '--json'];
      for (const [value, named] of [
        [1e308, /input 0 value 0 \(1e\+308\) does not fit the circuit's fixed point/],
        [1e6, /input "x" value 0 \(1000000\) is outside the circuit's range/],
      ] as const) {
        const input = await inputWith(`task-${value}.json`, value);
        expectNamed(await runCli([...post, '--input', input, ...rpc]), named, /./);
      }
    } finally {
      await market.chain.close();
    }
  });
});
