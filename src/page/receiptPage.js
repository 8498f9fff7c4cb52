// The receipt page's script (`pocompute page`): reads a dropped receipt and runs checkReceipt —
// the code `pocompute check` runs — in the browser. scripts/buildPage.mjs bundles it with the EVM
// into the page itself, so the written page works offline from one file.
import { checkReceipt } from '../verifier/checkReceipt.js';
import { describeReceipt } from '../verifier/describeReceipt.js';

const $ = (id) => document.getElementById(id);
let lastText;
let runs = 0;

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
}

function show(outcome) {
  runs += 1;
  const verdict = $('verdict');
  const checks = $('checks').tBodies[0];
  const summary = $('summary').tBodies[0];
  const warnings = $('warnings');
  checks.replaceChildren();
  summary.replaceChildren();
  warnings.replaceChildren();
  if (outcome.error) {
    verdict.className = 'invalid';
    verdict.textContent =
      outcome.error.code === 'RECEIPT_INVALID'
        ? `✖ Not a receipt this page can check: ${outcome.error.message}`
        : `✖ Could not check (${outcome.error.code}): ${outcome.error.message}`;
  } else {
    const r = outcome.result;
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
    verdict.className = r.valid ? 'valid' : 'invalid';
    verdict.textContent = r.valid
      ? `✔ VALID RECEIPT (trust: ${r.trust}, ${outcome.ms.toFixed(0)} ms)`
      : `✖ INVALID RECEIPT: ${failed.join(', ')}`;
    for (const line of describeReceipt(r.receipt)) {
      const row = summary.insertRow();
      cell(row, line.label);
      cell(row, line.value);
    }
    for (const c of r.checks) {
      const row = checks.insertRow();
      row.className = c.ok ? 'ok' : 'failed';
      row.dataset.check = c.name;
      row.dataset.ok = String(c.ok);
      cell(row, c.ok ? '✔' : '✖', 'mark');
      cell(row, c.name);
      cell(row, c.detail);
    }
    for (const w of r.warnings) {
      const li = document.createElement('li');
      li.textContent = w;
      warnings.append(li);
    }
  }
  verdict.dataset.run = String(runs);
  // What a test (or a curious reader) can read back: the verdict exactly as computed.
  window.receiptVerdict = outcome.error
    ? { run: runs, error: outcome.error }
    : {
        run: runs,
        valid: outcome.result.valid,
        trust: outcome.result.trust,
        checks: outcome.result.checks,
        warnings: outcome.result.warnings,
        ms: outcome.ms,
      };
}

async function run() {
  if (lastText === undefined) return;
  const verdict = $('verdict');
  verdict.className = 'idle';
  verdict.textContent = 'Checking…';
  const rpc = $('rpc').value.trim();
  const codeHash = $('codeHash').value.trim();
  const market = $('market').value.trim();
  const started = performance.now();
  try {
    const receipt = JSON.parse(lastText);
    const result = await checkReceipt({
      receipt,
      ...(rpc ? { rpc } : {}),
      ...(market ? { market } : {}),
      ...(codeHash ? { trusted: { codeHash } } : {}),
    });
    show({ result, ms: performance.now() - started });
  } catch (error) {
    show({
      error: { code: error?.code ?? 'RECEIPT_INVALID', message: String(error?.message ?? error) },
    });
  }
}

async function load(file) {
  lastText = await file.text();
  await run();
}

$('file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) load(file);
});
$('check').addEventListener('click', run);
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files?.[0];
  if (file) load(file);
});
