import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, keccak256 } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../../scripts/buildBrowser.mjs';
import { isPocomputeError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { readArtifactsVerifier } from '../../src/proof/verifierRecord.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { type TrustedVerifier, verifyBundleProof } from '../../src/verifier/verifyBundleProof.js';
import { launchChromium, serveFiles } from '../helpers/browser.js';
import { compiledFixture, provedFixture, tempDir } from '../helpers/pocompute.js';

/** What the page leaves in window.verdicts for each case. */
interface PageVerdict {
  name: string;
  ok: boolean;
  reason?: string;
  checkedAgainst: string;
  codeHash?: string;
  gasUsed?: string;
  ms: number;
}

interface Case {
  name: string;
  bundle: ProofBundle;
  trusted?: TrustedVerifier;
}

/** Runtime code that returns true for any call: what a forger would put in a bundle. */
const ALWAYS_TRUE = '0x600160005260206000f3';
const SCREENSHOT = join(PACKAGE_ROOT, 'test-results', 'browser.png');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>pocompute: verify in the browser</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 16px; }
  td, th { border: 1px solid #bbb; padding: 4px 8px; text-align: left; }
  table { border-collapse: collapse; }
  tr.ok td:nth-child(2) { color: #060; font-weight: bold; }
  tr.refused td:nth-child(2) { color: #a00; font-weight: bold; }
  td:last-child { max-width: 520px; font-size: 12px; }
</style>
<h1>EZKL's Solidity verifier in @ethereumjs/evm, in Chromium</h1>
<table>
  <thead><tr><th>bundle</th><th>verdict</th><th>checked against</th><th>time</th><th>reason</th></tr></thead>
  <tbody></tbody>
</table>
<p id="status">verifying…</p>
<script type="module" src="./verifyPage.js"></script>
`;

const clone = (bundle: ProofBundle): ProofBundle => structuredClone(bundle);

/** The bundle with the low byte of the proof's last evaluation flipped: well-formed, but wrong. */
function flippedByte(honest: ProofBundle): ProofBundle {
  const bundle = clone(honest);
  const proof = bundle.proof as { proof: number[]; hex_proof?: string };
  // The last 32-byte scalar before the two opening points (W, W′) of 64 bytes each.
  proof.proof[proof.proof.length - 128 - 1] ^= 1;
  if (proof.hex_proof !== undefined)
    proof.hex_proof = `0x${Buffer.from(proof.proof).toString('hex')}`;
  return bundle;
}

/** The bundle with its first public instance changed by one (low bit of its little-endian felt). */
function changedInstance(honest: ProofBundle): ProofBundle {
  const bundle = clone(honest);
  const felt = bundle.proof.instances[0][0];
  bundle.proof.instances[0][0] = `${(Number.parseInt(felt[0], 16) ^ 1).toString(16)}${felt.slice(1)}`;
  return bundle;
}

/** A forged bundle: a changed instance, and a verifier that says yes to anything. */
function alwaysTrueVerifier(honest: ProofBundle): ProofBundle {
  const bundle = changedInstance(honest);
  bundle.verifier = { layout: 'single', runtime: ALWAYS_TRUE };
  return bundle;
}

/** Node's `verify` with the trusted artifacts; a proof refused as malformed is a false verdict. */
async function nodeVerdict(bundle: ProofBundle, artifactsDir: string): Promise<boolean> {
  try {
    return (await verifyBundle({ bundle, artifacts: artifactsDir })).valid;
  } catch (error) {
    if (isPocomputeError(error, 'BUNDLE_INVALID')) return false;
    throw error;
  }
}

describe('verifying in headless Chromium (the browser bundle, Debian chromium)', () => {
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;
  let cases: Case[] = [];
  let verdicts: PageVerdict[] = [];
  let artifactsDir = '';
  let pinned: TrustedVerifier;
  let bundleBytes = 0;
  const pageLog: string[] = [];

  beforeAll(async () => {
    const artifacts = await compiledFixture('mlp');
    artifactsDir = artifacts.dir;
    const { bundlePath } = await provedFixture('mlp');
    const honest: ProofBundle = JSON.parse(readFileSync(bundlePath, 'utf8'));

    // The pin a page would hold: keccak256 of the trusted artifacts' verifier code (EXTCODEHASH of
    // the deployed verifier), computed here with ethers, not by the code under test.
    const trusted = await readArtifactsVerifier(artifacts);
    const runtime = trusted.verifier.deployedBytecode;
    pinned =
      trusted.layout === 'single'
        ? { codeHash: keccak256(runtime) }
        : { codeHash: keccak256(runtime), vkaDigest: keccak256(concat(trusted.vka ?? [])) };
    cases = [
      { name: 'honest proof', bundle: honest, trusted: pinned },
      { name: 'honest proof, warm', bundle: honest, trusted: pinned },
      { name: 'one proof byte flipped', bundle: flippedByte(honest), trusted: pinned },
      { name: 'public instance changed', bundle: changedInstance(honest), trusted: pinned },
      {
        name: 'honest proof, verifier given as code',
        bundle: honest,
        trusted: {
          verifier: {
            layout: trusted.layout,
            runtime,
            ...(trusted.vka ? { vka: trusted.vka } : {}),
          },
        },
      },
      {
        name: 'always-true verifier, pinned',
        bundle: alwaysTrueVerifier(honest),
        trusted: pinned,
      },
      { name: 'always-true verifier, bundle only', bundle: alwaysTrueVerifier(honest) },
    ];

    const work = tempDir('pocompute-browser-');
    const built = await buildBrowserBundle({ outfile: join(work, 'pocompute-verify.js') });
    bundleBytes = built.bytes;
    const js = 'text/javascript; charset=utf-8';
    server = await serveFiles({
      '/': { type: 'text/html; charset=utf-8', body: PAGE },
      '/verifyPage.js': {
        type: js,
        body: readFileSync(join(PACKAGE_ROOT, 'test', 'e2e', 'browser', 'verifyPage.js')),
      },
      '/pocompute-verify.js': { type: js, body: readFileSync(built.outfile) },
      '/cases.json': { type: 'application/json', body: JSON.stringify(cases) },
    });

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 520 } });
    page.on('console', (message) => pageLog.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => pageLog.push(`pageerror: ${error.message}`));
    await page.goto(`${server.url}/`);
    // No deadline of its own (vitest's hook timeout bounds it): a busy machine is slow, not wrong.
    await page.waitForFunction(
      () => {
        const w = window as unknown as { verdicts?: unknown; pageError?: unknown };
        return w.verdicts !== undefined || w.pageError !== undefined;
      },
      undefined,
      { timeout: 0 },
    );
    const pageError = await page.evaluate(
      () => (window as unknown as { pageError?: string }).pageError,
    );
    mkdirSync(join(PACKAGE_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (pageError) throw new Error(`the page failed: ${pageError}\n${pageLog.join('\n')}`);
    verdicts = await page.evaluate(
      () => (window as unknown as { verdicts: PageVerdict[] }).verdicts,
    );
    const [cold, warm] = verdicts;
    console.log(
      `browser bundle ${(bundleBytes / 1024).toFixed(0)} KiB; verify in Chromium: ` +
        `first ${cold.ms.toFixed(0)} ms (EVM + mcl-wasm set up), warm ${warm.ms.toFixed(0)} ms; ` +
        `screenshot ${SCREENSHOT}`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const verdict = (name: string) => {
    const found = verdicts.find((v) => v.name === name);
    if (!found) throw new Error(`no verdict for "${name}" (page log: ${pageLog.join('; ')})`);
    return found;
  };

  it('builds one ES module for the browser', () => {
    expect(bundleBytes).toBeGreaterThan(0);
    expect(verdicts.map((v) => v.name)).toEqual(cases.map((c) => c.name));
  });

  it('verifies the honest proof against the pinned code hash, cold and warm', () => {
    for (const name of ['honest proof', 'honest proof, warm']) {
      expect(verdict(name)).toMatchObject({ ok: true, checkedAgainst: 'pinned-hash' });
      expect(verdict(name).codeHash).toBe((pinned as { codeHash: string }).codeHash);
      expect(BigInt(verdict(name).gasUsed ?? 0)).toBeGreaterThan(0n);
    }
  });

  it('refuses a proof with one byte flipped', () => {
    expect(verdict('one proof byte flipped')).toMatchObject({ ok: false });
    expect(verdict('one proof byte flipped').reason).toMatch(/verifier (reverted|returned false)/);
  });

  it('refuses a proof whose public instance was changed', () => {
    expect(verdict('public instance changed')).toMatchObject({ ok: false });
    expect(verdict('public instance changed').reason).toMatch(/verifier (reverted|returned false)/);
  });

  it('verifies against a trusted verifier passed as code', () => {
    expect(verdict('honest proof, verifier given as code')).toMatchObject({
      ok: true,
      checkedAgainst: 'trusted-verifier',
    });
  });

  it("refuses a bundle's always-true verifier against the pin; unpinned, says it trusted only the bundle", () => {
    const refused = verdict('always-true verifier, pinned');
    expect(refused.ok).toBe(false);
    expect(refused.reason).toMatch(/code hash 0x[0-9a-f]{64}, not the pinned/);
    // Without a pin the bundle vouches for itself: the verdict says so, and nothing more.
    expect(verdict('always-true verifier, bundle only')).toMatchObject({
      ok: true,
      checkedAgainst: 'bundle-only',
    });
  });

  it('gives the verdicts Node gives: verify with the trusted artifacts, and the same call in Node', async () => {
    for (const c of cases.filter((c) => c.trusted && 'codeHash' in c.trusted)) {
      const inBrowser = verdict(c.name);
      expect(inBrowser.ok, `${c.name}: Node's verify`).toBe(
        await nodeVerdict(c.bundle, artifactsDir),
      );
    }
    for (const c of cases) {
      const inNode = await verifyBundleProof({ bundle: c.bundle, trusted: c.trusted });
      const { ms: _ms, ...inBrowser } = verdict(c.name);
      expect(inBrowser, c.name).toEqual(
        JSON.parse(
          JSON.stringify({
            name: c.name,
            ok: inNode.ok,
            reason: inNode.reason,
            checkedAgainst: inNode.checkedAgainst,
            codeHash: inNode.verifier?.codeHash,
            gasUsed: inNode.gasUsed?.toString(),
          }),
        ),
      );
    }
  });
});
