import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openArtifacts, VERIFYING_FILES } from '../src/proof/artifacts.js';
import { verifyBundle } from '../src/verifier/verifyBundle.js';
import { median, type SideBySide, sideBySide } from './sideBySide.js';
import type { VerifyCase } from './verifyCases.js';

// A persistent Python process that calls EZKL's verify on request, timing each call itself; replies
// are marked so that anything EZKL prints on stdout is skipped.
const EZKL_VERIFY_SERVER = `
import json, os, sys, time, ezkl
for line in sys.stdin:
    r = json.loads(line)
    ms, ok = [], True
    for _ in range(r["n"]):
        t = time.perf_counter()
        ok = bool(ezkl.verify(r["proof"], r["settings"], r["vk"], r["srs"], False)) and ok
        ms.append((time.perf_counter() - t) * 1000)
    sys.stdout.write("BENCH " + json.dumps({"ok": ok, "ms": ms}) + "\\n")
    sys.stdout.flush()
os._exit(0)
`;

/** EZKL's verify in one long-lived Python process (the managed venv's interpreter). */
export class EzklVerifyServer {
  private readonly child;
  private readonly replies: ((line: string) => void)[] = [];

  constructor(python: string) {
    this.child = spawn(python, ['-c', EZKL_VERIFY_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith('BENCH ')) this.replies.shift()?.(line.slice(6));
    });
  }

  /** Times `n` calls of ezkl.verify(proof, settings, vk, srs) in a row, in ms each. */
  verify(c: VerifyCase, n: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.replies.push((line) => {
        const reply = JSON.parse(line) as { ok: boolean; ms: number[] };
        if (reply.ok) resolve(reply.ms);
        else reject(new Error(`EZKL's verify rejected the ${c.name} proof`));
      });
      const request = { n, proof: c.proof, settings: c.settings, vk: c.vk, srs: c.srs };
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Times `n` library verifications in a row, in ms each; `opened` reuses one opened artifacts. */
async function verifyWithLibrary(c: VerifyCase, n: number, opened: boolean): Promise<number[]> {
  const artifacts = opened
    ? await openArtifacts(c.artifactsDir, { check: VERIFYING_FILES })
    : c.artifactsDir;
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const result = await verifyBundle({ bundle: c.bundle, artifacts });
    ms.push(performance.now() - started);
    if (!result.valid) throw new Error(`pocompute rejected the ${c.name} bundle`);
  }
  return ms;
}

const WARM_UP_CALLS = 10;

export interface WarmFigures {
  /** verify({ bundle, artifacts: dir }): every call reads the artifacts as ezkl.verify reads files. */
  library: SideBySide;
  /** The same with the artifacts opened once (what verifyBundles does for many bundles). */
  libraryOpenedOnce: SideBySide;
}

/**
 * Warm in-process verification, per proof: pocompute's library call against ezkl.verify in a
 * persistent Python process, after both have verified the proof a few times. Each round runs `perRound`
 * calls on each side in turn (so both see the same load); per round the median call of each side,
 * and the figures are the medians over rounds.
 */
export async function measureWarmVerify(params: {
  verifyCase: VerifyCase;
  server: EzklVerifyServer;
  rounds: number;
  perRound: number;
}): Promise<WarmFigures> {
  const { verifyCase: c, server, rounds, perRound } = params;
  // Warm: V8 optimises the EVM's interpreter and tiers up mcl's WebAssembly over the first calls.
  await verifyWithLibrary(c, WARM_UP_CALLS, false);
  await server.verify(c, 2);
  const rows = { library: [] as number[], opened: [] as number[], ezkl: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    rows.library.push(median(await verifyWithLibrary(c, perRound, false)));
    rows.ezkl.push(median(await server.verify(c, perRound)));
    rows.opened.push(median(await verifyWithLibrary(c, perRound, true)));
  }
  return {
    library: sideBySide(rows.library, rows.ezkl),
    libraryOpenedOnce: sideBySide(rows.opened, rows.ezkl),
  };
}
