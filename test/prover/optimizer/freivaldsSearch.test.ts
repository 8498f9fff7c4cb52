/**
 * The optimiser's search on a row-bound baseline that uses EZKL 23's Freivalds' argument (the
 * transformer block's real settings), with a fake engine: which candidates it sizes, tests and
 * proves, and what it keeps when the direct form passes, fails or cannot be sized. The real
 * engine runs the same path in test/e2e/optimizer.test.ts (attention).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../src/core/options.js';
import type { EzklOp, PythonEngine } from '../../../src/engine/pythonEngine.js';
import { srsFileSize } from '../../../src/engine/srs.js';
import { compileOptionsSchema } from '../../../src/proof/artifactsManifest.js';
import type { ModelInfo } from '../../../src/proof/inspectModel.js';
import { buildCircuit } from '../../../src/prover/optimizer/optimizeCircuit.js';
import { tempDir } from '../../helpers/pocompute.js';

const fixture = (file: string) =>
  new URL(`../../fixtures/ezkl23/${file}`, import.meta.url).pathname;
const OUTPUTS = [0.5, -0.25];

type Fault = 'none' | 'prove' | 'size';

/** EZKL's ops as files, the way ezkl_worker.py writes them; `fault` breaks the direct form. */
function fakeEngine(fault: Fault) {
  const ops: { op: string; args: Record<string, unknown> }[] = [];
  const write = (path: unknown, text: string) => writeFileSync(String(path), text);
  const engine = {
    python: 'fake',
    source: 'user',
    run: async (batch: EzklOp[], options?: { onStarted?: () => void }) => {
      options?.onStarted?.();
      return batch.map(({ op, args }) => {
        const a = args as Record<string, unknown>;
        ops.push({ op, args: a });
        switch (op) {
          case 'gen_settings':
            copyFileSync(fixture('transformer-settings.json'), String(a.settings));
            return null;
          case 'calibrate_settings':
            return null;
          case 'try_settings':
            if (fault === 'size') throw new Error('PanicException: index out of bounds');
            copyFileSync(
              fixture(
                a.disable_freivalds
                  ? 'transformer-direct-settings.json'
                  : 'transformer-settings.json',
              ),
              String(a.settings),
            );
            return { ok: true };
          case 'try_circuit':
            write(a.compiled, 'compiled');
            for (const w of a.witnesses as string[])
              write(
                w,
                JSON.stringify({
                  outputs: [['0x01']],
                  pretty_elements: { rescaled_outputs: [OUTPUTS.map(String)] },
                }),
              );
            return { ok: true };
          case 'try_proof': {
            const settings = JSON.parse(readFileSync(String(a.settings), 'utf8'));
            if (fault === 'prove' && settings.run_args.disable_freivalds)
              return {
                ok: false,
                error: 'verify: EZKL rejects the proof\nstack backtrace:\n  0: ezkl::…',
              };
            write(a.vk, 'vk');
            write(a.pk, 'pk');
            for (const p of a.proofs as string[])
              write(p, JSON.stringify({ instances: [['0x02']] }));
            return { ok: true };
          }
          default:
            throw new Error(`unexpected op ${op}`);
        }
      });
    },
  } as unknown as PythonEngine;
  return { engine, ops };
}

async function search(fault: Fault, budget = 60) {
  const dir = tempDir();
  const at = (f: string) => join(dir, f);
  // A user SRS file for 2^17: its header and size are checked, its points never read here.
  const srs = at('k17.srs');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(17);
  await writeFile(srs, header);
  await truncate(srs, srsFileSize(17));
  const calibration = JSON.stringify({ input_data: [[0.1, 0.2]] });
  await writeFile(at('calibration.json'), calibration);
  const model = {
    path: at('model.onnx'),
    inputs: [{ name: 'x', dims: [1, 2], size: 2 }],
    outputs: [{ name: 'y', dims: [1, 2], size: 2 }],
  } as unknown as ModelInfo;
  const { engine, ops } = fakeEngine(fault);
  const built = await buildCircuit({
    engine,
    model,
    modelPath: at('model.onnx'),
    calibrationPath: at('calibration.json'),
    settingsPath: at('settings.json'),
    compiledPath: at('model.compiled'),
    options: parseOptions(compileOptionsSchema, { optimizerBudget: budget }),
    srs,
    keys: { vk: at('vk.key'), pk: at('pk.key') },
    floatReference: async () => ({ outputs: [OUTPUTS] }),
  });
  const settings = JSON.parse(readFileSync(at('settings.json'), 'utf8'));
  return { built, ops, settings, calibration, names: ops.map((o) => o.op) };
}

describe("the optimiser on a row-bound baseline with Freivalds' argument (fake engine)", () => {
  it('sizes only the direct form, proves it, and keeps its keys and acceptance proof', async () => {
    const { built, names, settings, calibration, ops } = await search('none');
    // One sizing (the direct form): no layout or value dimension, no logrows below.
    expect(names.filter((n) => n === 'try_settings')).toHaveLength(1);
    expect(ops.find((o) => o.op === 'try_settings')?.args.disable_freivalds).toBe(true);
    // The baseline is compiled without mock; the direct form with mock, then really proved.
    expect(ops.filter((o) => o.op === 'try_circuit').map((o) => o.args.mock)).toEqual([
      false,
      true,
    ]);
    expect(names.filter((n) => n === 'try_proof')).toHaveLength(1);
    const { choice } = built;
    expect(choice.runArgs.disable_freivalds).toBe(true);
    expect(choice.search?.baseline.runArgs.disable_freivalds).toBeUndefined();
    expect(choice.search?.proved).toBe(1);
    expect(choice.reason).toMatch(/no Freivalds/);
    expect(settings.run_args.disable_freivalds).toBe(true);
    expect(built.keysSrs?.logrows).toBe(17);
    expect(built.acceptanceProof?.input).toBe(calibration);
    expect(built.acceptanceProof?.proof).toEqual({ instances: [['0x02']] });
  });

  it("keeps EZKL's settings, row-bound, when the direct form's proof fails: one line of why, no keys", async () => {
    const { built, settings } = await search('prove');
    const { choice } = built;
    expect(choice.runArgs).toEqual(choice.search?.baseline.runArgs);
    expect(settings.run_args.disable_freivalds).toBe(false);
    expect(choice.reason).toMatch(/row-bound/);
    expect(choice.reason).toMatch(
      /its einsums proved directly: EZKL setup\/prove\/verify: verify: EZKL rejects the proof\)$/,
    );
    expect(choice.reason).not.toMatch(/backtrace/);
    expect(choice.search?.rejected).toHaveLength(1);
    expect(choice.search?.proved).toBe(1);
    expect(built.keysSrs).toBeUndefined();
    expect(built.acceptanceProof).toBeUndefined();
  });

  it("keeps EZKL's settings when EZKL cannot size the direct form (a panic ends its process)", async () => {
    const { built, names } = await search('size');
    expect(names).not.toContain('try_proof');
    expect(built.choice.runArgs).toEqual(built.choice.search?.baseline.runArgs);
    expect(built.choice.reason).toMatch(/row-bound/);
    expect(built.choice.search?.sized).toBe(1);
  });

  it("keeps EZKL's settings, and says why, when the budget runs out before the direct form is tested", async () => {
    const { built, names } = await search('none', 1e-6);
    expect(names).not.toContain('try_proof');
    expect(built.choice.runArgs).toEqual(built.choice.search?.baseline.runArgs);
    expect(built.choice.reason).toMatch(/row-bound.*not tried, the 0\.000001 s budget ran out/);
  });
});
