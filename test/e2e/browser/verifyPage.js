// The page of test/e2e/browser.test.ts: verifies each case of /cases.json with the browser bundle,
// one after the other (the first call creates the EVM and compiles rustbn-wasm: the cold time),
// shows the verdicts in a table (the screenshot) and leaves them in window.verdicts.
import { verifyBundleProof } from './pocompute-verify.js';

const table = document.querySelector('tbody');
const status = document.querySelector('#status');

function row(cells) {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  table.append(tr);
  return tr;
}

try {
  const cases = await (await fetch('./cases.json')).json();
  const verdicts = [];
  for (const { name, bundle, trusted } of cases) {
    const started = performance.now();
    const verdict = await verifyBundleProof({ bundle, trusted });
    const ms = performance.now() - started;
    verdicts.push({
      name,
      ok: verdict.ok,
      reason: verdict.reason,
      checkedAgainst: verdict.checkedAgainst,
      codeHash: verdict.verifier?.codeHash,
      gasUsed: verdict.gasUsed?.toString(),
      ms,
    });
    const tr = row([
      name,
      verdict.ok ? 'valid' : 'refused',
      verdict.checkedAgainst,
      `${ms.toFixed(0)} ms`,
      verdict.reason ?? '',
    ]);
    tr.className = verdict.ok ? 'ok' : 'refused';
  }
  window.verdicts = verdicts;
  status.textContent = `${verdicts.length} bundles checked in ${navigator.userAgent}`;
} catch (error) {
  window.pageError = String(error?.stack ?? error);
  status.textContent = `error: ${window.pageError}`;
}
