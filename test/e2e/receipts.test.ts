import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256 } from 'ethers';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { feltFromHexLE } from '../../src/proof/felts.js';
import { proofBytes } from '../../src/verifier/calldata.js';
import { deployTestContract } from '../helpers/market.js';
import type { Receipt } from '../../src/proof/receipt.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  alterEvaluation,
  compiledFixture,
  expectCliError,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';
import {
  consistentLie,
  settledMlpReceipt,
  signedByAnother,
  tamperedReceipts,
  yesVerifierReceipt,
} from '../helpers/receipts.js';

const { onnx } = onnxProto;

/** Runtime code that returns true for any call: what a forger would put in a receipt. */
const ALWAYS_TRUE = '0x600160005260206000f3';
const STABLE_RECEIPT = join(PACKAGE_ROOT, 'test', 'fixtures', 'receipts', 'mlp-0.1.0.receipt.json');

interface CheckJson {
  ok: boolean;
  valid: boolean;
  verdict: 'valid' | 'unchecked' | 'invalid';
  trust: string;
  checks: { name: string; ok: boolean; status: string; detail: string }[];
  warnings: string[];
  summary: { label: string; value: string }[];
}

const failedChecks = (r: CheckJson) =>
  r.checks.filter((c) => c.status === 'failed').map((c) => c.name);
const statusOf = (r: CheckJson, name: string) => r.checks.find((c) => c.name === name)?.status;
/** What a lie must never get: a check it touches shown ✔ (it is failed or not checked). */
const notGreen = (r: CheckJson, ...names: string[]) => {
  expect(
    r.checks.every((c) => c.ok),
    'every check ✔',
  ).toBe(false);
  expect(r.verdict).not.toBe('valid');
  for (const name of names) expect(r.checks.find((c) => c.name === name)?.ok, name).toBe(false);
};

async function check(receipt: Receipt | string, ...flags: string[]) {
  let path = receipt as string;
  if (typeof receipt !== 'string') {
    path = join(tempDir('pocompute-check-'), 'r.json');
    writeFileSync(path, JSON.stringify(receipt));
  }
  const result = await runCli(['check', path, '--json', ...flags]);
  return { code: result.code, json: result.json() as CheckJson, stderr: result.stderr };
}

describe('receipts of a real proof, checked offline (mlp, EZKL 23)', () => {
  let bundlePath = '';
  let receiptPath = '';
  let honest: Receipt;
  let artifactsDir = '';

  beforeAll(async () => {
    artifactsDir = (await compiledFixture('mlp')).dir;
    bundlePath = (await provedFixture('mlp')).bundlePath;
    receiptPath = join(tempDir('pocompute-receipt-'), 'mlp.receipt.json');
    const written = await runCli(['receipt', bundlePath, '--out', receiptPath, '--json']);
    expect(written.code, written.stderr).toBe(0);
    honest = JSON.parse(readFileSync(receiptPath, 'utf8'));
    console.log(
      `mlp receipt: ${written.json().bytes} bytes (proof ${(honest.proof.bytes.length - 2) / 2} bytes)`,
    );
  });

  it('writes the same bytes for the same bundle (canonical JSON)', async () => {
    const again = join(tempDir('pocompute-receipt-'), 'again.json');
    expect((await runCli(['receipt', bundlePath, '--out', again])).code).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(receiptPath));
    // Keys sorted at every level, two-space indent: the file is its own canonical form.
    const text = readFileSync(receiptPath, 'utf8');
    expect(text.indexOf('"ezklVersion"')).toBeLessThan(text.indexOf('"format"'));
  });

  it('checks an honest receipt: exit 0, every check listed, its own verifier said to be self-consistency only', async () => {
    const { code, json } = await check(receiptPath);
    expect(code).toBe(0);
    expect(json.valid).toBe(true);
    expect(json.checks.map((c) => c.name)).toEqual([
      'verifier',
      'proof',
      'input',
      'output',
      'model',
    ]);
    expect(json.trust).toBe('receipt-only');
    // Nothing the checker trusts covers it: consistent, every check "not checked", none green.
    expect(json.verdict).toBe('unchecked');
    expect(json.checks.map((c) => c.status)).toEqual(Array(5).fill('not-checked'));
    expect(json.warnings.join(' ')).toMatch(/consistent, not that its verifier is the model's/);
    // The outputs it states are the proof's: a person reads the largest logit first.
    const top = honest.output.tensors[0].readable;
    expect(top?.kind).toBe('top-k');
    const values = honest.output.tensors[0].values ?? [];
    expect(top?.kind === 'top-k' && top.top[0].value).toBe(Math.max(...values));
  });

  it("with --artifacts and --model: the verifier is EZKL's for the key and the model file is the one proved", async () => {
    const { code, json } = await check(
      receiptPath,
      '--artifacts',
      artifactsDir,
      '--model',
      fixtureModel('mlp'),
    );
    expect(code).toBe(0);
    expect(json.trust).toBe('artifacts');
    expect(json.verdict).toBe('valid');
    expect(json.checks.find((c) => c.name === 'model')?.detail).toMatch(
      /model file, settings, trusted artifacts' key and SRS/,
    );
    // The SRS the receipt names is compared with the trusted artifacts' own.
    const otherSrs = structuredClone(honest);
    otherSrs.srs = { origin: 'public-download', sha256: 'a'.repeat(64) };
    const refused = await check(otherSrs, '--artifacts', artifactsDir);
    expect(failedChecks(refused.json)).toEqual(['model']);
    expect(refused.json.checks.find((c) => c.name === 'model')?.detail).toMatch(/srs is not/);
  });

  it('names each tampered field and exits 1: output, input, proof byte, model hash (with --model), a label', async () => {
    const t = tamperedReceipts(honest, '0x000000000000000000000000000000000000dEaD');
    const cases: [Receipt, string, string[]][] = [
      [t.output, 'output', []],
      [t.input, 'input', []],
      [t.proof, 'proof', []],
      [t.model, 'model', ['--model', fixtureModel('mlp')]],
    ];
    const relabelled = structuredClone(honest);
    const readable = relabelled.output.tensors[0].readable;
    if (readable?.kind === 'top-k') readable.top[0].index = 1;
    cases.push([relabelled, 'output', []]);
    for (const [receipt, field, flags] of cases) {
      const { code, json } = await check(receipt, ...flags);
      expect(code, field).toBe(1);
      expect(failedChecks(json), field).toEqual([field]);
    }
  });

  it('refuses a yes-to-anything verifier once a verifier is trusted (--artifacts, --code-hash)', async () => {
    const forged = structuredClone(honest);
    forged.verifier.runtime = ALWAYS_TRUE;
    forged.verifier.codeHash = keccak256(ALWAYS_TRUE);
    forged.output.tensors[0].values![0] += 1;
    const ownTrust = await check(forged);
    // On its own word, the receipt is not even consistent: its values are not the proof's.
    expect(failedChecks(ownTrust.json)).toEqual(['output']);
    const pinned = await check(forged, '--artifacts', artifactsDir);
    expect(pinned.code).toBe(1);
    expect(failedChecks(pinned.json)).toContain('verifier');
    const byHash = await check(forged, '--code-hash', honest.verifier.codeHash);
    expect(byHash.code).toBe(1);
    expect(failedChecks(byHash.json)).toContain('verifier');
  });

  it('keeps the input commitment without the values (--no-input-values), and a changed commitment is named', async () => {
    const out = join(tempDir('pocompute-receipt-'), 'novalues.json');
    expect((await runCli(['receipt', bundlePath, '--no-input-values', '--out', out])).code).toBe(0);
    const r: Receipt = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.input.tensors[0].values).toBeUndefined();
    expect(r.input.commitment).toBe(honest.input.commitment);
    expect((await check(out)).code).toBe(0);
    r.input.commitment = keccak256('0x01');
    expect(failedChecks((await check(r)).json)).toEqual(['input']);
  });

  it('refuses bad input with one line, a hint and exit 2; writes no receipt for a proof that fails', async () => {
    const dir = tempDir('pocompute-receipt-');
    writeFileSync(join(dir, 'truncated.json'), readFileSync(receiptPath, 'utf8').slice(0, 500));
    expectCliError(
      await runCli(['check', join(dir, 'truncated.json'), '--json']),
      'RECEIPT_INVALID',
      2,
    );
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ ...honest, format: 'pocompute-receipt@9' }),
    );
    expectCliError(
      await runCli(['check', join(dir, 'other.json'), '--json']),
      'RECEIPT_INVALID',
      2,
    );
    expectCliError(
      await runCli(['check', join(dir, 'missing.json'), '--json']),
      'FILE_NOT_FOUND',
      2,
    );
    // An option that would be ignored is refused, not dropped.
    for (const flags of [
      ['--artifacts', artifactsDir, '--code-hash', honest.verifier.codeHash],
      ['--vka-digest', honest.verifier.codeHash],
      ['--market', '0x000000000000000000000000000000000000dEaD'],
    ])
      expectCliError(await runCli(['check', receiptPath, ...flags, '--json']), 'USAGE', 2);
    // A chain that does not answer is a chain error (exit 4), not a verdict.
    expectCliError(
      await runCli(['check', receiptPath, '--rpc', 'http://127.0.0.1:9', '--json']),
      'RPC_UNREACHABLE',
      4,
    );
    expectCliError(
      await runCli(['receipt', bundlePath, '--sign', '--out', join(dir, 'x.json'), '--json']),
      'USAGE',
      2,
    );
    const bad = JSON.parse(readFileSync(bundlePath, 'utf8'));
    alterEvaluation(bad.proof);
    writeFileSync(join(dir, 'bad.proof'), JSON.stringify(bad));
    const refused = await runCli([
      'receipt',
      join(dir, 'bad.proof'),
      '--out',
      join(dir, 'bad.json'),
      '--json',
    ]);
    expectCliError(refused, 'PROOF_INVALID', 1);
    expect(() => readFileSync(join(dir, 'bad.json'))).toThrow();
  });

  it('prove --receipt writes the receipt beside the bundle, the bytes `receipt` writes', async () => {
    const dir = tempDir('pocompute-receipt-');
    const proved = await runCli([
      'prove',
      fixtureModel('mlp'),
      '--input',
      fixtureInput('mlp'),
      '--out',
      join(dir, 'x.proof'),
      '--receipt',
      '--json',
    ]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.json().receipt).toBe(join(dir, 'x.receipt.json'));
    expect(
      (await runCli(['receipt', join(dir, 'x.proof'), '--out', join(dir, 'y.json')])).code,
    ).toBe(0);
    expect(readFileSync(join(dir, 'x.receipt.json'))).toEqual(readFileSync(join(dir, 'y.json')));
    expect((await check(join(dir, 'x.receipt.json'))).code).toBe(0);
  });

  it("reads a labelled model's output as a person does: label names, top k with scores", async () => {
    const dir = tempDir('pocompute-receipt-');
    const model = onnx.ModelProto.decode(readFileSync(fixtureModel('mlp')));
    model.metadataProps = [
      onnx.StringStringEntryProto.create({ key: 'labels', value: '["cat","dog","bird"]' }),
    ];
    const labelled = join(dir, 'labelled.onnx');
    writeFileSync(labelled, onnx.ModelProto.encode(model).finish());
    const bundle = join(dir, 'labelled.proof');
    // Compiled into its own root: a second model with the mlp's key must not be found by others.
    const proved = await runCli([
      'prove',
      labelled,
      '--input',
      fixtureInput('mlp'),
      '--out',
      bundle,
      '--receipt',
      '--artifacts-root',
      join(dir, 'artifacts'),
    ]);
    expect(proved.code, proved.stderr).toBe(0);
    const r: Receipt = JSON.parse(readFileSync(join(dir, 'labelled.receipt.json'), 'utf8'));
    expect(r.model.labels).toEqual(['cat', 'dog', 'bird']);
    const values = r.output.tensors[0].values ?? [];
    const order = [0, 1, 2].sort((a, b) => values[b] - values[a]);
    expect(r.output.tensors[0].readable).toEqual({
      kind: 'top-k',
      top: order.map((i) => ({ index: i, label: ['cat', 'dog', 'bird'][i], value: values[i] })),
    });
    const shown = await runCli(['check', join(dir, 'labelled.receipt.json'), '--model', labelled]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `${['cat', 'dog', 'bird'][order[0]]} ${values[order[0]].toPrecision(6).replace(/\.?0+$/, '')}`,
    );
    // A label swapped in the receipt is not the model's reading of the proved values.
    const swapped = structuredClone(r);
    const top = swapped.output.tensors[0].readable;
    if (top?.kind === 'top-k') top.top[0].label = 'wolf';
    expect(failedChecks((await check(swapped, '--model', labelled)).json)).toEqual(['output']);
    // Relabelled classes in the receipt's model are refused against the model file.
    const renamed = structuredClone(r);
    renamed.model.labels = ['dog', 'cat', 'bird'];
    expect(failedChecks((await check(renamed, '--model', labelled)).json)).toEqual(['model']);
    // The unlabelled model is another file: named as such (and its reading has no label names).
    expect(failedChecks((await check(r, '--model', fixtureModel('mlp'))).json)).toEqual([
      'output',
      'model',
    ]);
    // Without a trusted model the label names are the receipt's: indices shown, output not checked.
    const own = await check(join(dir, 'labelled.receipt.json'));
    expect(own.json.summary.find((l) => l.label === 'output 0')?.value).toMatch(/^#\d/);
    expect(statusOf(own.json, 'output')).toBe('not-checked');
  });

  it('a hashed input: the receipt holds its Poseidon hash, checked against the proof', async () => {
    const dir = tempDir('pocompute-receipt-');
    const proved = await runCli([
      'prove',
      fixtureModel('mlp'),
      '--input',
      fixtureInput('mlp'),
      '--input-visibility',
      'hashed',
      '--out',
      join(dir, 'hashed.proof'),
      '--receipt',
      '--artifacts-root',
      join(dir, 'artifacts'),
    ]);
    expect(proved.code, proved.stderr).toBe(0);
    const r: Receipt = JSON.parse(readFileSync(join(dir, 'hashed.receipt.json'), 'utf8'));
    expect(r.input.tensors[0]).toMatchObject({ visibility: 'hashed' });
    expect(r.input.tensors[0].values).toBeUndefined();
    expect(r.input.tensors[0].hash?.[0]).toBe(r.proof.instances[0]);
    expect((await check(join(dir, 'hashed.receipt.json'))).code).toBe(0);
    const other = structuredClone(r);
    other.input.tensors[0].hash = [r.proof.instances[1]];
    expect(failedChecks((await check(other)).json)).toEqual(['input']);
  });

  it('attack: settings that read the proved numbers otherwise (scales) are never shown as checked', async () => {
    const outScale = await consistentLie(honest, (r) => {
      r.settings.model_output_scales = [(r.settings.model_output_scales as number[])[0] - 3];
    });
    const inScale = await consistentLie(honest, (r) => {
      r.settings.model_input_scales = [(r.settings.model_input_scales as number[])[0] - 3];
    });
    for (const [lie, side] of [
      [outScale, 'output'],
      [inScale, 'input'],
    ] as const) {
      // Its own word: consistent, but the values are read with its own scales — not checked.
      notGreen((await check(lie)).json, side);
      const byHash = await check(lie, '--code-hash', honest.verifier.codeHash);
      notGreen(byHash.json, side);
      expect(statusOf(byHash.json, side)).toBe('not-checked');
      // Bound to trusted settings (the artifacts', a pinned hash), the lie is refused.
      const artifacts = await check(lie, '--artifacts', artifactsDir);
      expect(artifacts.code, side).toBe(1);
      expect(failedChecks(artifacts.json)).toContain('model');
      const pinned = await check(
        lie,
        '--code-hash',
        honest.verifier.codeHash,
        '--settings-hash',
        honest.model.settingsSha256,
      );
      expect(pinned.code, side).toBe(1);
      expect(pinned.json.checks.find((c) => c.name === 'model')?.detail).toMatch(/pinned hash/);
    }
    // The honest receipt with both pinned: its values are checked.
    const honestPinned = await check(
      receiptPath,
      '--code-hash',
      honest.verifier.codeHash,
      '--settings-hash',
      honest.model.settingsSha256,
    );
    expect(statusOf(honestPinned.json, 'output')).toBe('ok');
    expect(statusOf(honestPinned.json, 'input')).toBe('ok');
  });

  it("attack: labels, model name, tensor names and model hashes the receipt gives itself are not the model's", async () => {
    const labels = await consistentLie(honest, (r) => {
      r.model.labels = ['APPROVED', 'denied', 'review'];
    });
    for (const flags of [[], ['--code-hash', honest.verifier.codeHash]]) {
      const { json } = await check(labels, ...flags);
      notGreen(json, 'output', 'model');
      // Without a trusted model the reading shows indices, never the receipt's label names.
      expect(JSON.stringify(json.summary)).not.toContain('APPROVED');
    }
    const withArtifacts = await check(labels, '--artifacts', artifactsDir);
    expect(withArtifacts.code).toBe(1);
    expect(failedChecks(withArtifacts.json)).toEqual(expect.arrayContaining(['model', 'output']));
    const lies: [string, (r: Receipt) => void][] = [
      [
        'onnx hash',
        (r) => {
          r.model.onnxSha256 = 'ab'.repeat(32);
        },
      ],
      [
        'weights hash',
        (r) => {
          r.model.weightsSha256 = 'cd'.repeat(32);
        },
      ],
      [
        'name',
        (r) => {
          r.model.name = 'gpt-safety-v9.onnx';
        },
      ],
      [
        'output name',
        (r) => {
          r.output.tensors[0].name = 'fraud_probability';
        },
      ],
      [
        'input name',
        (r) => {
          r.input.tensors[0].name = 'salary';
        },
      ],
    ];
    for (const [what, mutate] of lies) {
      const lie = await consistentLie(honest, mutate);
      notGreen((await check(lie)).json, 'model');
      const refused = await check(lie, '--artifacts', artifactsDir);
      expect(refused.code, what).toBe(1);
      expect(failedChecks(refused.json), what).toEqual(['model']);
    }
  });

  it('attack: escape sequences, bidi overrides, bad checksums, duplicate keys, huge chain ids are not a receipt (exit 2, never exit 5)', async () => {
    const dir = tempDir('pocompute-receipt-');
    const ansi = structuredClone(honest);
    ansi.model.name = 'm\n\n\x1b[32mVALID RECEIPT\x1b[0m\x1b[8m';
    const bidi = structuredClone(honest);
    bidi.output.tensors[0].name = 'score\u202e';
    const mixedCase = (a: string) => `0x${a.slice(2, 3).toUpperCase()}${a.slice(3).toLowerCase()}`;
    const badChecksum = structuredClone(honest);
    badChecksum.signature = {
      signer: mixedCase('0xaaaa00000000000000000000000000000000000a'),
      value: `0x${'11'.repeat(65)}`,
    };
    for (const [what, receipt] of [
      ['escape', ansi],
      ['bidi', bidi],
      ['checksum', badChecksum],
    ] as const) {
      const path = join(dir, `${what}.json`);
      writeFileSync(path, JSON.stringify(receipt));
      const result = await runCli(['check', path]);
      expect(result.code, what).toBe(2);
      expect(result.stdout + result.stderr, what).not.toContain('\x1b[32mVALID');
      expect(result.stdout + result.stderr, what).toMatch(/RECEIPT_INVALID/);
    }
    // A key given twice: JSON.parse would keep the last, a reader may see the first.
    const text = readFileSync(receiptPath, 'utf8').replace(
      '"name": "model.onnx"',
      '"name": "model.onnx", "name": "other.onnx"',
    );
    writeFileSync(join(dir, 'dup.json'), text);
    expectCliError(await runCli(['check', join(dir, 'dup.json'), '--json']), 'RECEIPT_INVALID', 2);
    // A faulty verifier in the receipt is the receipt's fault, not the artifacts'.
    const badVka = structuredClone(honest) as Receipt & { verifier: { vka?: string[] } };
    badVka.verifier.layout = 'reusable';
    badVka.verifier.vka = [`0x${'00'.repeat(32)}`];
    writeFileSync(join(dir, 'vka.json'), JSON.stringify(badVka));
    expectCliError(await runCli(['check', join(dir, 'vka.json'), '--json']), 'RECEIPT_INVALID', 2);
    // --market with a bad checksum is a usage error; so is --market for a receipt with no settlement.
    const badMarket = mixedCase('0xbbbb00000000000000000000000000000000000b');
    expectCliError(
      await runCli([
        'check',
        receiptPath,
        '--rpc',
        'http://127.0.0.1:9',
        '--market',
        badMarket,
        '--json',
      ]),
      'OPTION_INVALID',
      2,
    );
    expectCliError(
      await runCli([
        'check',
        receiptPath,
        '--rpc',
        'http://127.0.0.1:9',
        '--market',
        '0x000000000000000000000000000000000000dEaD',
        '--json',
      ]),
      'USAGE',
      2,
    );
    const bigChain = structuredClone(honest);
    bigChain.verifier.chainId = 2 ** 53 + 2;
    bigChain.verifier.address = '0x000000000000000000000000000000000000dEaD';
    writeFileSync(join(dir, 'bigchain.json'), JSON.stringify(bigChain));
    expectCliError(
      await runCli(['check', join(dir, 'bigchain.json'), '--json']),
      'RECEIPT_INVALID',
      2,
    );
  });

  it('checks the receipt written by pocompute 0.1.0 (a committed fixture: receipts stay checkable)', async () => {
    const stable = await check(STABLE_RECEIPT, '--model', fixtureModel('mlp'));
    expect(stable.code, JSON.stringify(stable.json.checks)).toBe(0);
    expect(stable.json.verdict).toBe('unchecked');
    expect(statusOf(stable.json, 'model')).toBe('ok');
    // Its verifier and settings pinned (by their hashes), every check holds: its proof verifies.
    const fixture: Receipt = JSON.parse(readFileSync(STABLE_RECEIPT, 'utf8'));
    const pinned = await check(
      STABLE_RECEIPT,
      '--model',
      fixtureModel('mlp'),
      '--code-hash',
      fixture.verifier.codeHash,
      '--settings-hash',
      fixture.model.settingsSha256,
    );
    expect(pinned.code).toBe(0);
    expect(pinned.json.verdict, JSON.stringify(pinned.json.checks)).toBe('valid');
  });
});

describe('receipts of a task paid on a real anvil market', () => {
  const anvil = useAnvil();
  let s: Awaited<ReturnType<typeof settledMlpReceipt>>;
  const keys = () => anvil().accounts.map((a) => a.privateKey);

  beforeAll(async () => {
    s = await settledMlpReceipt(anvil().rpcUrl, keys());
    return () => s.chain.close();
  });

  it('names the settlement, the paid verifier and the worker who signed', () => {
    expect(s.receipt.settlement).toMatchObject({
      taskId: s.taskId,
      txHash: s.paid.txHash,
      worker: s.workerAddress,
      chainId: 31337,
    });
    expect(s.receipt.verifier.address?.toLowerCase()).toBe(
      s.registered.verifier.verifier.address.toLowerCase(),
    );
    expect(s.receipt.signature?.signer).toBe(s.workerAddress);
    expect(s.receipt.proof.hash).toBe(keccak256(s.receipt.proof.bytes));
  });

  it('checks against the chain: paid for this very proof, the verifier at its address, signed by the paid worker', async () => {
    const started = performance.now();
    const { code, json } = await check(
      s.receiptPath,
      '--rpc',
      anvil().rpcUrl,
      '--market',
      s.address,
    );
    console.log(
      `check --rpc (CLI process, settled receipt): ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(code).toBe(0);
    // The chain is evidence of payment only: the verifier, settings and model stay not checked.
    expect(json.trust).toBe('receipt-only');
    expect(json.verdict).toBe('unchecked');
    expect(json.checks.map((c) => [c.name, c.status])).toEqual([
      ['verifier', 'not-checked'],
      ['proof', 'not-checked'],
      ['input', 'not-checked'],
      ['output', 'not-checked'],
      ['model', 'not-checked'],
      ['verifier address', 'ok'],
      ['settlement', 'ok'],
      ['signature', 'ok'],
    ]);
    expect(json.checks.find((c) => c.name === 'signature')?.detail).toMatch(
      /the worker the market paid/,
    );
  });

  it("with --artifacts too: the verifier the market paid is EZKL's for the key compiled here, byte for byte", async () => {
    const { code, json } = await check(
      s.receiptPath,
      '--rpc',
      anvil().rpcUrl,
      '--market',
      s.address,
      '--artifacts',
      s.artifacts.dir,
      '--model',
      fixtureModel('mlp'),
    );
    expect(code).toBe(0);
    expect(json.trust).toBe('artifacts');
    expect(json.verdict).toBe('valid');
    expect(json.checks.every((c) => c.ok)).toBe(true);
    // Only what the receipt says of itself against its interest: the dev SRS of the suite.
    expect(json.warnings).toEqual([expect.stringMatching(/^insecure-dev SRS/)]);
  });

  it('names each tampered field against the chain: output, input, model hash, proof byte, verifier address, signature', async () => {
    const t = tamperedReceipts(s.receipt, s.address);
    for (const [field, receipt] of Object.entries(t)) {
      const { code, json } = await check(receipt, '--rpc', anvil().rpcUrl, '--market', s.address);
      expect(code, field).toBe(1);
      expect(failedChecks(json), field).toContain(field);
      // Every change to signed contents also breaks the worker's signature.
      expect(failedChecks(json), field).toContain('signature');
    }
    const forged = await signedByAnother(s.receipt, keys()[2]);
    const { code, json } = await check(forged, '--rpc', anvil().rpcUrl, '--market', s.address);
    expect(code).toBe(1);
    expect(failedChecks(json)).toEqual(['signature']);
    // Offline too, a signer that is not the settlement's worker is refused.
    expect(failedChecks((await check(forged)).json)).toEqual(['signature']);
  });

  it('trusts the chain only for the market the checker names: unpinned it says so, another is refused', async () => {
    const unpinned = await runCli(['check', s.receiptPath, '--rpc', anvil().rpcUrl, '--json']);
    expect(unpinned.code).toBe(0);
    expect(unpinned.json().trust).toBe('receipt-only');
    // Whatever the contract it names says, the settlement is not checked until the market is pinned.
    expect(statusOf(unpinned.json(), 'settlement')).toBe('not-checked');
    expect(unpinned.json().warnings.join(' ')).toMatch(/Pin the market you trust \(--market\)/);
    const other = await check(s.receiptPath, '--rpc', anvil().rpcUrl, '--market', s.workerAddress);
    expect(other.code).toBe(1);
    expect(failedChecks(other.json)).toEqual(['settlement']);
    expect(other.json.trust).toBe('receipt-only');
  });

  it('attack: a yes-to-anything verifier registered on the real market, paid for made-up outputs, is never green', async () => {
    const forged = await yesVerifierReceipt(s, keys());
    const rpc = anvil().rpcUrl;
    const onChain = await check(forged, '--rpc', rpc, '--market', s.address);
    // The payment is real — but the chain is evidence of payment only: registration is open.
    expect(statusOf(onChain.json, 'settlement')).toBe('ok');
    expect(onChain.json.trust).toBe('receipt-only');
    notGreen(onChain.json, 'verifier', 'proof', 'output', 'model');
    expect(onChain.json.checks.find((c) => c.name === 'proof')?.detail).not.toMatch(/EZKL/);
    // A trusted verifier refuses it: the artifacts' (EZKL's for the key), a pinned code hash.
    for (const flags of [
      ['--artifacts', s.artifacts.dir],
      ['--code-hash', s.receipt.verifier.codeHash],
    ]) {
      const refused = await check(forged, '--rpc', rpc, '--market', s.address, ...flags);
      expect(refused.code, flags[0]).toBe(1);
      expect(failedChecks(refused.json), flags[0]).toContain('verifier');
    }
  });

  it('attack: re-signed lies (scales, labels) checked against the real market are not green', async () => {
    const rpc = anvil().rpcUrl;
    const scale = await consistentLie(
      s.receipt,
      (r) => {
        r.settings.model_output_scales = [(r.settings.model_output_scales as number[])[0] - 3];
      },
      keys()[1],
    );
    const labels = await consistentLie(
      s.receipt,
      (r) => {
        r.model.labels = ['APPROVED', 'denied', 'review'];
      },
      keys()[1],
    );
    for (const lie of [scale, labels]) {
      const { json } = await check(lie, '--rpc', rpc, '--market', s.address);
      expect(statusOf(json, 'settlement')).toBe('ok');
      notGreen(json, 'output', 'model');
      expect(JSON.stringify(json.summary)).not.toContain('APPROVED');
      const withArtifacts = await check(
        lie,
        '--rpc',
        rpc,
        '--market',
        s.address,
        '--artifacts',
        s.artifacts.dir,
      );
      expect(withArtifacts.code).toBe(1);
      expect(failedChecks(withArtifacts.json)).toContain('model');
    }
  });

  it('offline, a settlement is a claim: "not checked", the signer only the claimed worker', async () => {
    const { code, json } = await check(s.receiptPath);
    expect(code).toBe(0);
    expect(statusOf(json, 'settlement')).toBe('not-checked');
    expect(json.checks.find((c) => c.name === 'settlement')?.detail).toMatch(
      /--rpc <url> and --market <address>/,
    );
    expect(json.checks.find((c) => c.name === 'signature')?.detail).toMatch(/claimed worker/);
    expect(json.checks.find((c) => c.name === 'signature')?.detail).not.toMatch(/market paid/);
    const row = json.summary.find((l) => l.label === 'settlement')?.value ?? '';
    expect(row).toMatch(/not checked/);
    expect(row).not.toMatch(/paid to/);
    // verifier.chainId is not the settlement's: a contradiction, offline too.
    const otherChain = structuredClone(s.receipt);
    otherChain.verifier.chainId = 1;
    expect(failedChecks((await check(otherChain)).json)).toContain('settlement');
  });

  it('attack: an unknown task, a contract that is not a market, a task id over 2^256 are failed settlements (exit 1, not 4); bad checksums exit 2', async () => {
    const rpc = anvil().rpcUrl;
    const unknownTask = structuredClone(s.receipt);
    unknownTask.settlement!.taskId = '999999';
    const notMarket = structuredClone(s.receipt);
    notMarket.settlement!.market = s.receipt.verifier.address!;
    const huge = structuredClone(s.receipt);
    huge.settlement!.taskId = (2n ** 256n).toString();
    for (const [what, receipt, market] of [
      ['unknown task', unknownTask, s.address],
      ['not a market', notMarket, s.receipt.verifier.address!],
      ['task id over 2^256', huge, s.address],
    ] as const) {
      const { code, json } = await check(receipt, '--rpc', rpc, '--market', market);
      expect(code, what).toBe(1);
      expect(failedChecks(json), what).toContain('settlement');
    }
    const badWorker = structuredClone(s.receipt);
    // One letter's case flipped: a mixed-case address whose checksum is wrong.
    badWorker.settlement!.worker = s.receipt.settlement!.worker.replace(/[a-fA-F](?!.*x)/, (c) =>
      c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(),
    );
    const dir = tempDir('pocompute-receipt-');
    writeFileSync(join(dir, 'w.json'), JSON.stringify(badWorker));
    const refused = await runCli([
      'check',
      join(dir, 'w.json'),
      '--rpc',
      rpc,
      '--market',
      s.address,
      '--json',
    ]);
    expect(refused.code).toBe(2);
  });

  it('a settlement that claims another task or block is refused by the chain', async () => {
    const other = structuredClone(s.receipt);
    other.settlement!.blockNumber += 1;
    expect(
      failedChecks((await check(other, '--rpc', anvil().rpcUrl, '--market', s.address)).json),
    ).toEqual(expect.arrayContaining(['settlement', 'signature']));
  });

  it("the consumer example takes a receipt's answer only when the market paid for that very proof", async () => {
    const consumer = await deployTestContract(
      'ReceiptConsumerExample.sol',
      'ReceiptConsumerExample',
      keys()[3],
      s.chain.provider,
      [s.address, BigInt(s.modelId)],
    );
    const taskId = BigInt(s.taskId);
    const another = keccak256(proofBytes((await provedFixture('mlp')).bundle));
    expect(await consumer.paidFor(taskId, s.receipt.proof.hash)).toBe(true);
    expect(await consumer.paidFor(taskId, another)).toBe(false);
    await expect(consumer.acceptReceipt.staticCall(taskId, another)).rejects.toThrow();
    await (await consumer.acceptReceipt(taskId, s.receipt.proof.hash)).wait();
    expect(await consumer.acceptedProof(taskId)).toBe(s.receipt.proof.hash);
    // The answer it holds is the market's record, the outputs the receipt's proof binds.
    const numOutputs = s.receipt.output.tensors.reduce((n, t) => n + (t.values?.length ?? 0), 0);
    const outputs = (await consumer.acceptReceipt.staticCall(taskId, s.receipt.proof.hash)).map(
      String,
    );
    expect(outputs).toEqual(
      s.receipt.proof.instances.slice(-numOutputs).map((f) => String(feltFromHexLE(f))),
    );
  });

  it('refuses to write a receipt for a task paid for another proof, or to sign with a key that was not paid', async () => {
    const dir = tempDir('pocompute-receipt-');
    const another = (await provedFixture('mlp')).bundlePath;
    const base = ['--task', s.taskId, '--market', s.address, '--rpc', anvil().rpcUrl, '--json'];
    expectCliError(
      await runCli(['receipt', another, ...base, '--out', join(dir, 'a.json')]),
      'OPTION_INVALID',
      2,
    );
    const wrongKey = await runCli(
      ['receipt', s.bundlePath, ...base, '--sign', '--out', join(dir, 'b.json')],
      {
        POCOMPUTE_PRIVATE_KEY: keys()[2],
      },
    );
    expectCliError(wrongKey, 'OPTION_INVALID', 2);
    expect(wrongKey.stdout + wrongKey.stderr).not.toContain(keys()[2].slice(2));
  });
});
