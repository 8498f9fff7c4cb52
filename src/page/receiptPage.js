// The receipt page's script (`pocompute page`): reads a dropped receipt and runs checkReceipt —
// the code `pocompute check` runs — in the browser. scripts/buildPage.mjs bundles it with the EVM
// into the page itself, so the written page works offline from one file.
import { modelIdentity } from '../proof/modelIdentity.js';
import { parseReceiptText, RECEIPT_MAX_BYTES } from '../proof/receipt.js';
import { checkReceipt } from '../verifier/checkReceipt.js';
import { describeReceipt, printable } from '../verifier/describeReceipt.js';

const $ = (id) => document.getElementById(id);
let lastText;
// The model file the reader trusts, dropped on the page: its identity, or why it has none.
let model;
let runs = 0;
// A model file larger than this is refused before it is read (the CLI's own cap is larger).
const MODEL_MAX_BYTES = 256 * 1048576;

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
    const message = printable(outcome.error.message, 1000);
    verdict.textContent =
      outcome.error.code === 'RECEIPT_INVALID'
        ? `✖ Not a receipt this page can check: ${message}`
        : `✖ Could not check (${outcome.error.code}): ${message}`;
  } else {
    const r = outcome.result;
    const named = (status) =>
      r.checks
        .filter((c) => c.status === status)
        .map((c) => c.name)
        .join(', ');
    verdict.className = r.verdict;
    verdict.textContent =
      r.verdict === 'valid'
        ? `✔ VALID RECEIPT (trust: ${r.trust}, ${outcome.ms.toFixed(0)} ms)`
        : r.verdict === 'unchecked'
          ? `? NOT FULLY CHECKED: nothing failed, but not checked: ${named('not-checked')}`
          : `✖ INVALID RECEIPT: ${named('failed')}`;
    for (const line of describeReceipt(r.receipt, r.trusted)) {
      const row = summary.insertRow();
      cell(row, line.label);
      cell(row, line.value);
    }
    for (const c of r.checks) {
      const row = checks.insertRow();
      row.className = c.status;
      row.dataset.check = c.name;
      row.dataset.ok = String(c.ok);
      row.dataset.status = c.status;
      cell(row, c.status === 'ok' ? '✔' : c.status === 'failed' ? '✖' : '?', 'mark');
      cell(row, c.name);
      cell(row, printable(c.detail, 1000));
    }
    for (const w of [...(outcome.notes ?? []), ...r.warnings]) {
      const li = document.createElement('li');
      li.textContent = printable(w, 1000);
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
        verdict: outcome.result.verdict,
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
  const settingsHash = $('settingsHash').value.trim();
  const started = performance.now();
  try {
    const receipt = parseReceiptText(lastText);
    // The market is checked on the chain: without an RPC URL it is not used, and the page says so.
    const notes =
      market && !rpc
        ? ['The market address was not used: it is checked on the chain, so type an RPC URL too.']
        : [];
    if (model?.error) throw model.error;
    const result = await checkReceipt({
      receipt,
      ...(model ? { model: model.identity } : {}),
      ...(rpc ? { rpc } : {}),
      ...(market && rpc ? { market } : {}),
      ...(codeHash ? { trusted: { codeHash } } : {}),
      ...(settingsHash ? { settingsSha256: settingsHash } : {}),
    });
    show({ result, notes, ms: performance.now() - started });
  } catch (error) {
    show({
      error: { code: error?.code ?? 'RECEIPT_INVALID', message: String(error?.message ?? error) },
    });
  }
}

async function load(file) {
  if (file.size > RECEIPT_MAX_BYTES) {
    lastText = undefined;
    show({
      error: {
        code: 'RECEIPT_INVALID',
        message: `the file is ${(file.size / 1048576).toFixed(1)} MiB, over the ${RECEIPT_MAX_BYTES / 1048576} MiB a receipt can be`,
      },
    });
    return;
  }
  lastText = await file.text();
  await run();
}

async function loadModel(file) {
  const status = $('modelStatus');
  try {
    if (file.size > MODEL_MAX_BYTES)
      throw Object.assign(
        new Error(
          `${file.name} is ${(file.size / 1048576).toFixed(0)} MiB, over ${MODEL_MAX_BYTES / 1048576} MiB`,
        ),
        { code: 'ONNX_INVALID' },
      );
    // The identity `pocompute check --model` computes: the file's hash, its weights' hash, its labels.
    const identity = modelIdentity(new Uint8Array(await file.arrayBuffer()), file.name);
    model = { identity };
    status.textContent = `model ${file.name}: sha256 ${identity.onnxSha256.slice(0, 16)}…${identity.labels ? `, labels ${identity.labels.join(', ')}` : ''}`;
  } catch (error) {
    model = {
      error: { code: error?.code ?? 'ONNX_INVALID', message: String(error?.message ?? error) },
    };
    status.textContent = `model ${file.name}: not usable`;
  }
  status.textContent = printable(status.textContent, 300);
  await run();
}

$('modelFile').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) loadModel(file);
  else {
    // The model file cleared: the model check rests on the receipt's word again.
    model = undefined;
    $('modelStatus').textContent = 'no model file';
    run();
  }
});
$('file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) load(file);
});
$('check').addEventListener('click', run);
for (const [id, read] of [
  ['drop', load],
  ['modelDrop', loadModel],
]) {
  const zone = $(id);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files?.[0];
    if (file) read(file);
  });
}
