import type { Receipt, ReceiptTensor } from '../proof/receipt.js';
import type { ReceiptTrusted } from './checkReceipt.js';

/** One line of a receipt as a person reads it. */
export interface ReceiptLine {
  label: string;
  value: string;
}

/**
 * A string from a receipt made safe to show in a terminal or a page: control characters (C0, DEL,
 * C1: escape sequences), bidirectional overrides and isolates and line separators are shown as
 * `\u{…}`, and the text is cut at `max` characters. Everything a receipt says is printed through it.
 */
export function printable(text: string, max = 400): string {
  const escaped = text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is escaped
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

const number = (v: number) =>
  Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');

function tensorText(
  t: ReceiptTensor & { readable?: Receipt['output']['tensors'][number]['readable'] },
  labels: boolean,
) {
  if (t.readable?.kind === 'score')
    return `${labels && t.readable.label ? `${t.readable.label}: ` : ''}${number(t.readable.value)}`;
  if (t.readable?.kind === 'top-k')
    return t.readable.top
      .map((e) => `${(labels && e.label) || `#${e.index}`} ${number(e.value)}`)
      .join(', ');
  if (t.values)
    return t.values.length > 8
      ? `${t.values.slice(0, 8).map(number).join(' ')} … (${t.values.length})`
      : t.values.map(number).join(' ');
  if (t.hash) return `hash ${t.hash[0].slice(0, 18)}…`;
  return t.visibility;
}

const NOTHING_TRUSTED: ReceiptTrusted = {
  verifier: false,
  settings: false,
  model: false,
  names: false,
  labels: false,
  settlement: false,
  bounty: false,
};

/**
 * What a receipt says, in the order a reader wants it (model, input, output, settlement, signer):
 * the rows of `check`'s table and of the page. `trusted` (checkReceipt's) says which claims rest on
 * something the checker trusts; the others are marked "not checked", and the output's label names
 * are shown only from a trusted model (else the indices). Every value is `printable`.
 */
export function describeReceipt(
  receipt: Receipt,
  trusted: ReceiptTrusted = NOTHING_TRUSTED,
): ReceiptLine[] {
  const unchecked = (ok: boolean) => (ok ? '' : ' (not checked)');
  const lines: ReceiptLine[] = [
    {
      label: 'model',
      value: `${receipt.model.name} (onnx sha256 ${receipt.model.onnxSha256.slice(0, 16)}…, vk ${receipt.model.vkSha256.slice(0, 16)}…)${trusted.model && !trusted.names ? ' (name not checked)' : unchecked(trusted.model)}`,
    },
    ...receipt.input.tensors.map((t, i) => ({
      label: `input ${(trusted.names && t.name) || i}`,
      value:
        (t.values ? tensorText(t, false) : `commitment ${receipt.input.commitment.slice(0, 18)}…`) +
        unchecked(trusted.settings || !t.values),
    })),
    ...receipt.output.tensors.map((t, i) => ({
      label: `output ${(trusted.names && t.name) || i}`,
      value: tensorText(t, trusted.labels) + unchecked(trusted.settings),
    })),
  ];
  const s = receipt.settlement;
  if (s)
    lines.push({
      label: 'settlement',
      value: trusted.settlement
        ? `task ${s.taskId} on chain ${s.chainId}, market ${s.market}, tx ${s.txHash.slice(0, 18)}… (block ${s.blockNumber}), paid to ${s.worker}`
        : `claimed: task ${s.taskId} on chain ${s.chainId}, market ${s.market}, tx ${s.txHash.slice(0, 18)}… (block ${s.blockNumber}), worker ${s.worker} (not checked: pass --rpc and --market)`,
    });
  const b = receipt.bounty;
  if (b) {
    const metric = `${b.metric.kind} ${number(b.metric.value)} (target ${b.metric.kind === 'loss' ? '<=' : '>='} ${number(b.metric.target)}: ${b.metric.met ? 'met' : 'missed'})`;
    const where = `bounty ${b.bountyId} on chain ${b.chainId}, contract ${b.contract}`;
    lines.push(
      { label: 'bounty metric', value: metric + unchecked(trusted.settings) },
      {
        label: 'bounty',
        value: trusted.bounty
          ? `${where}, proved in tx ${b.proveTxHash.slice(0, 18)}… (block ${b.proveBlock}), paid to ${b.worker}; base model ${b.baseModelSha256.slice(0, 16)}…, data ${b.dataCommitment.slice(0, 16)}…`
          : `claimed: ${where}, proved in tx ${b.proveTxHash.slice(0, 18)}… (block ${b.proveBlock}), worker ${b.worker}; base model ${b.baseModelSha256.slice(0, 16)}…, data ${b.dataCommitment.slice(0, 16)}… (not checked: pass --rpc and --market)`,
      },
    );
  }
  lines.push({
    label: 'verifier',
    value:
      (receipt.verifier.address
        ? `${receipt.verifier.address} on chain ${receipt.verifier.chainId}`
        : `code hash ${receipt.verifier.codeHash.slice(0, 18)}…`) + unchecked(trusted.verifier),
  });
  if (receipt.signature)
    lines.push({
      label: 'signed by',
      value: `${receipt.signature.signer}${trusted.settlement ? ', the worker the market paid' : ", the receipt's claimed worker (not checked)"}`,
    });
  return lines.map((l) => ({ label: printable(l.label, 120), value: printable(l.value) }));
}
