import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { Receipt } from '../../src/proof/receipt.js';
import { useAnvil } from '../helpers/anvil.js';
import { launchChromium } from '../helpers/browser.js';
import { expectCliError, fixtureModel, runCli, startCli, tempDir } from '../helpers/pocompute.js';
import {
  consistentLie,
  settledMlpReceipt,
  signedByAnother,
  tamperedReceipts,
  yesVerifierReceipt,
} from '../helpers/receipts.js';

/** What the reader pins in the page (and passes to `check`): a verifier and settings hash. */
interface Pins {
  codeHash?: string;
  settingsHash?: string;
  /** The market field, when it is not the test's market (with an RPC URL) or empty (without). */
  market?: string;
  /** The model file the reader trusts (dropped in the page, `--model` to `check`). */
  model?: string;
}

/** What the page leaves in window.receiptVerdict after each check. */
interface PageVerdict {
  run: number;
  valid?: boolean;
  verdict?: string;
  trust?: string;
  checks?: { name: string; ok: boolean; status: string; detail: string }[];
  warnings?: string[];
  error?: { code: string; message: string };
  ms?: number;
}

const RESULTS = join(PACKAGE_ROOT, 'test-results');

describe('the receipt page in headless Chromium (pocompute page --out, opened from disk)', () => {
  const anvil = useAnvil();
  let browser: Browser | undefined;
  let page: Page;
  let s: Awaited<ReturnType<typeof settledMlpReceipt>>;
  let runs = 0;
  /** The model file now in the page's model input. */
  let modelInPage: string | undefined;
  const pageLog: string[] = [];

  /** Drops a receipt on the page's file input and waits for its verdict (no deadline of its own). */
  async function checkInPage(receipt: Receipt, rpc: string, pins: Pins = {}): Promise<PageVerdict> {
    await page.fill('#rpc', rpc);
    // With the chain, the market the reader trusts (the one the test deployed).
    await page.fill('#market', pins.market ?? (rpc ? s.address : ''));
    await page.fill('#codeHash', pins.codeHash ?? '');
    await page.fill('#settingsHash', pins.settingsHash ?? '');
    if (pins.model !== modelInPage) {
      await page.setInputFiles('#modelFile', pins.model ? [pins.model] : []);
      modelInPage = pins.model;
      // With a receipt already in the page, a new (or cleared) model file checks it again.
      if (runs > 0) {
        runs += 1;
        await page.waitForFunction(
          (n) =>
            (window as unknown as { receiptVerdict?: { run: number } }).receiptVerdict?.run === n,
          runs,
          { timeout: 0 },
        );
      }
    }
    await page.setInputFiles('#file', {
      name: 'receipt.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(receipt)),
    });
    runs += 1;
    await page.waitForFunction(
      (n) => (window as unknown as { receiptVerdict?: { run: number } }).receiptVerdict?.run === n,
      runs,
      { timeout: 0 },
    );
    return page.evaluate(
      () => (window as unknown as { receiptVerdict: PageVerdict }).receiptVerdict,
    );
  }

  /** `pocompute check --json` on the same receipt: the page must agree with it check for check. */
  async function checkInCli(receipt: Receipt, rpc: string, pins: Pins = {}) {
    const path = join(tempDir('pocompute-page-'), 'r.json');
    writeFileSync(path, JSON.stringify(receipt));
    const result = await runCli([
      'check',
      path,
      '--json',
      ...(rpc ? ['--rpc', rpc, '--market', s.address] : []),
      ...(pins.codeHash ? ['--code-hash', pins.codeHash] : []),
      ...(pins.settingsHash ? ['--settings-hash', pins.settingsHash] : []),
      ...(pins.model ? ['--model', pins.model] : []),
    ]);
    return { code: result.code, json: result.json() };
  }

  beforeAll(async () => {
    s = await settledMlpReceipt(
      anvil().rpcUrl,
      anvil().accounts.map((a) => a.privateKey),
    );
    const dir = tempDir('pocompute-page-');
    const written = await runCli(['page', '--out', dir, '--json']);
    expect(written.code, written.stderr).toBe(0);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => pageLog.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
    // Opened from disk: the page needs no server, and nothing of it is fetched.
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    mkdirSync(RESULTS, { recursive: true });
    return () => s.chain.close();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows an honest receipt green, offline and against the chain, with every check listed', async () => {
    const offline = await checkInPage(s.receipt, '');
    expect(offline.valid, pageLog.join('\n')).toBe(true);
    // Nothing pinned: consistent, but not checked (yellow, never green).
    expect(offline.verdict).toBe('unchecked');
    expect(offline.trust).toBe('receipt-only');
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('unchecked');
    const warm = await checkInPage(s.receipt, '');
    const pins = {
      codeHash: s.receipt.verifier.codeHash,
      settingsHash: s.receipt.model.settingsSha256,
    };
    const chained = await checkInPage(s.receipt, anvil().rpcUrl, pins);
    expect(chained.valid).toBe(true);
    expect(chained.trust).toBe('pinned-hash');
    expect(chained.checks?.map((c) => c.name)).toEqual([
      'verifier',
      'proof',
      'input',
      'output',
      'model',
      'verifier address',
      'settlement',
      'signature',
    ]);
    // No model file dropped: the model's identity stays "not checked", everything else holds.
    expect(chained.checks?.filter((c) => !c.ok).map((c) => [c.name, c.status])).toEqual([
      ['model', 'not-checked'],
    ]);
    await expect(page.textContent('#verdict')).resolves.toMatch(/NOT FULLY CHECKED.*model/);
    await expect(page.textContent('#summary')).resolves.toContain(
      `task ${s.taskId} on chain 31337`,
    );
    await page.screenshot({ path: join(RESULTS, 'receipt-page-unchecked.png'), fullPage: true });
    // The page runs under its Content-Security-Policy, and nothing of it was refused.
    expect(pageLog.join('\n')).not.toMatch(/Content Security Policy|Refused to/);
    console.log(
      `receipt check in Chromium: first ${offline.ms?.toFixed(0)} ms, warm ${warm.ms?.toFixed(0)} ms, ` +
        `with the chain ${chained.ms?.toFixed(0)} ms`,
    );
  });

  it('with the pins and the model file dropped, an honest receipt is green (as `check --model`); another model or changed labels are red naming `model`', async () => {
    const rpc = anvil().rpcUrl;
    const pins = {
      codeHash: s.receipt.verifier.codeHash,
      settingsHash: s.receipt.model.settingsSha256,
    };
    const mlp = { ...pins, model: fixtureModel('mlp') };
    const honest = await checkInPage(s.receipt, rpc, mlp);
    expect(honest.verdict, pageLog.join('\n')).toBe('valid');
    expect(honest.checks?.every((c) => c.status === 'ok')).toBe(true);
    await expect(page.getAttribute('#verdict', 'class')).resolves.toBe('valid');
    await expect(page.textContent('#verdict')).resolves.toMatch(/VALID RECEIPT/);
    await expect(page.textContent('#modelStatus')).resolves.toContain('model.onnx: sha256');
    await page.screenshot({ path: join(RESULTS, 'receipt-page-valid.png'), fullPage: true });
    // Offline the settlement is not checked (yellow), but the model is, from the file.
    const offline = await checkInPage(s.receipt, '', mlp);
    expect(offline.checks?.find((c) => c.name === 'model')?.status).toBe('ok');
    expect(offline.verdict).toBe('unchecked');
    const labels = await consistentLie(
      s.receipt,
      (r) => {
        r.model.labels = ['APPROVED', 'denied', 'review'];
      },
      anvil().accounts[1].privateKey,
    );
    for (const [what, receipt, p, failed] of [
      ['honest', s.receipt, mlp, []],
      ['another model (cnn)', s.receipt, { ...pins, model: fixtureModel('cnn') }, ['model']],
      [
        'another model (two_input)',
        s.receipt,
        { ...pins, model: fixtureModel('two_input') },
        ['model'],
      ],
      ['labels added', labels, mlp, ['model']],
    ] as const) {
      const inPage = await checkInPage(receipt, rpc, p);
      expect(inPage.error, what).toBeUndefined();
      const red = inPage.checks?.filter((c) => c.status === 'failed').map((c) => c.name);
      // Changed labels also make the output's readable value the receipt's own lie.
      if (failed.length) expect(red, what).toEqual(expect.arrayContaining([...failed]));
      else expect(red, what).toEqual([]);
      expect(inPage.verdict, what).toBe(failed.length ? 'invalid' : 'valid');
      await expect(page.getAttribute('#verdict', 'class')).resolves.toBe(inPage.verdict);
      if (failed.length) {
        await expect(page.textContent('#verdict')).resolves.toMatch(/INVALID RECEIPT: .*model/);
        expect(await page.getAttribute('#checks tr[data-check="model"]', 'data-ok')).toBe('false');
      }
      const inCli = await checkInCli(receipt, rpc, p);
      expect(inCli.code, what).toBe(failed.length ? 1 : 0);
      expect({ verdict: inPage.verdict, trust: inPage.trust, checks: inPage.checks }, what).toEqual(
        {
          verdict: inCli.json.verdict,
          trust: inCli.json.trust,
          checks: inCli.json.checks,
        },
      );
    }
    // A file that is not ONNX is refused as the model, as `check --model` refuses it.
    const notOnnx = join(tempDir('pocompute-page-'), 'not.onnx');
    writeFileSync(notOnnx, '{"not": "onnx"}');
    const refused = await checkInPage(s.receipt, '', { ...pins, model: notOnnx });
    expect(refused.error?.code).toBe('ONNX_INVALID');
    // Cleared, the model check rests on the receipt's word again; no CSP refusal on the way.
    const cleared = await checkInPage(s.receipt, '', pins);
    expect(cleared.checks?.find((c) => c.name === 'model')?.status).toBe('not-checked');
    expect(pageLog.join('\n')).not.toMatch(/Content Security Policy|Refused to/);
  });

  it('shows red naming the field: changed output, input, model hash, proof byte, verifier address, signature', async () => {
    const cases: [string, Receipt][] = [
      ...Object.entries(tamperedReceipts(s.receipt, s.address)),
      ['signature', await signedByAnother(s.receipt, anvil().accounts[2].privateKey)],
    ];
    for (const [field, receipt] of cases) {
      const verdict = await checkInPage(receipt, anvil().rpcUrl);
      expect(verdict.valid, field).toBe(false);
      const failed = verdict.checks?.filter((c) => !c.ok).map((c) => c.name);
      expect(failed, field).toContain(field);
      const row = await page.getAttribute(`#checks tr[data-check="${field}"]`, 'data-ok');
      expect(row, field).toBe('false');
      await expect(page.textContent('#verdict')).resolves.toContain('INVALID RECEIPT');
      if (field === 'output')
        await page.screenshot({ path: join(RESULTS, 'receipt-page-tampered.png'), fullPage: true });
    }
  });

  it('gives the verdict `pocompute check` gives, check for check (honest and tampered, with and without the chain)', async () => {
    const cases: Receipt[] = [
      s.receipt,
      ...Object.values(tamperedReceipts(s.receipt, s.address)),
      await signedByAnother(s.receipt, anvil().accounts[2].privateKey),
    ];
    for (const rpc of [anvil().rpcUrl, '']) {
      for (const receipt of cases) {
        const inPage = await checkInPage(receipt, rpc);
        const inCli = await checkInCli(receipt, rpc);
        expect(inCli.code).toBe(inPage.valid ? 0 : 1);
        expect({
          valid: inPage.valid,
          verdict: inPage.verdict,
          trust: inPage.trust,
          checks: inPage.checks,
        }).toEqual({
          valid: inCli.json.valid,
          verdict: inCli.json.verdict,
          trust: inCli.json.trust,
          checks: inCli.json.checks,
        });
      }
    }
  });

  it('attack: lying receipts (a yes-verifier paid on the real market, re-signed scales and labels, an unknown task) are not green in the page, as in `check`', async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const rpc = anvil().rpcUrl;
    const pins = {
      codeHash: s.receipt.verifier.codeHash,
      settingsHash: s.receipt.model.settingsSha256,
    };
    const yes = await yesVerifierReceipt(s, keys);
    const scale = await consistentLie(
      s.receipt,
      (r) => {
        r.settings.model_output_scales = [(r.settings.model_output_scales as number[])[0] - 3];
      },
      keys[1],
    );
    const labels = await consistentLie(
      s.receipt,
      (r) => {
        r.model.labels = ['APPROVED', 'denied', 'review'];
      },
      keys[1],
    );
    const unknownTask = structuredClone(s.receipt);
    unknownTask.settlement!.taskId = '999999';
    for (const [what, lie, p] of [
      ['yes-verifier', yes, {}],
      ['yes-verifier pinned', yes, pins],
      ['scales', scale, {}],
      ['scales pinned', scale, pins],
      ['labels', labels, {}],
      ['unknown task', unknownTask, {}],
    ] as const) {
      const inPage = await checkInPage(lie, rpc, p);
      expect(inPage.error, what).toBeUndefined();
      expect(inPage.verdict, what).not.toBe('valid');
      await expect(page.getAttribute('#verdict', 'class')).resolves.not.toBe('valid');
      await expect(page.textContent('#summary')).resolves.not.toContain('APPROVED');
      const inCli = await checkInCli(lie, rpc, p);
      expect(inPage.checks, what).toEqual(inCli.json.checks);
    }
    // The market field is used only with an RPC URL, and the page says so.
    const noRpc = await checkInPage(s.receipt, '', { market: s.address });
    expect(noRpc.verdict).toBe('unchecked');
    await expect(page.textContent('#warnings')).resolves.toMatch(/market address was not used/);
  });

  it('says why a file is not a receipt, and when the chain cannot be read', async () => {
    const verdict = await checkInPage({ format: 'pocompute-proof@2' } as unknown as Receipt, '');
    expect(verdict.error?.code).toBe('RECEIPT_INVALID');
    await expect(page.textContent('#verdict')).resolves.toMatch(/Not a receipt/);
    const unreachable = await checkInPage(s.receipt, 'http://127.0.0.1:9');
    expect(unreachable.error?.code).toBe('RPC_UNREACHABLE');
    await expect(page.textContent('#verdict')).resolves.toMatch(
      /Could not check \(RPC_UNREACHABLE\)/,
    );
  });
});

describe('pocompute page --port', () => {
  it('serves the page the browser checks with, until SIGINT; --out and --port together are a usage error', async () => {
    const { child, result } = startCli(['page', '--port', '0', '--json']);
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const found = /"url": "([^"]+)"/.exec(stdout);
        if (found) resolve(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`page exited ${code}: ${stdout}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>pocompute: check a receipt</title>');
    // The script and the EVM are in the page itself: nothing else to fetch.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/,
    );
    expect((await fetch(new URL('/other.js', url))).status).toBe(404);
    child.kill('SIGINT');
    expect((await result).code).toBe(0);
    expectCliError(await runCli(['page', '--out', tempDir(), '--port', '0', '--json']), 'USAGE', 2);
  });
});
