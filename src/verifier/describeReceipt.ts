import type { Receipt, ReceiptTensor } from '../proof/receipt.js';

/** One line of a receipt as a person reads it. */
export interface ReceiptLine {
  label: string;
  value: string;
}

const number = (v: number) =>
  Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');

function tensorText(
  t: ReceiptTensor & { readable?: Receipt['output']['tensors'][number]['readable'] },
) {
  if (t.readable?.kind === 'score')
    return `${t.readable.label ? `${t.readable.label}: ` : ''}${number(t.readable.value)}`;
  if (t.readable?.kind === 'top-k')
    return t.readable.top.map((e) => `${e.label ?? `#${e.index}`} ${number(e.value)}`).join(', ');
  if (t.values)
    return t.values.length > 8
      ? `${t.values.slice(0, 8).map(number).join(' ')} … (${t.values.length})`
      : t.values.map(number).join(' ');
  if (t.hash) return `hash ${t.hash[0].slice(0, 18)}…`;
  return t.visibility;
}

/**
 * What a receipt says, in the order a reader wants it (model, input, output, settlement, signer):
 * the rows of `check`'s table and of the page. Claims until checked — the verdict says which hold.
 */
export function describeReceipt(receipt: Receipt): ReceiptLine[] {
  const lines: ReceiptLine[] = [
    {
      label: 'model',
      value: `${receipt.model.name} (onnx sha256 ${receipt.model.onnxSha256.slice(0, 16)}…, vk ${receipt.model.vkSha256.slice(0, 16)}…)`,
    },
    ...receipt.input.tensors.map((t, i) => ({
      label: `input ${t.name || i}`,
      value: t.values ? tensorText(t) : `commitment ${receipt.input.commitment.slice(0, 18)}…`,
    })),
    ...receipt.output.tensors.map((t, i) => ({
      label: `output ${t.name || i}`,
      value: tensorText(t),
    })),
  ];
  const s = receipt.settlement;
  if (s)
    lines.push({
      label: 'settlement',
      value: `task ${s.taskId} on chain ${s.chainId}, market ${s.market}, tx ${s.txHash.slice(0, 18)}… (block ${s.blockNumber}), paid to ${s.worker}`,
    });
  lines.push({
    label: 'verifier',
    value: receipt.verifier.address
      ? `${receipt.verifier.address} on chain ${receipt.verifier.chainId}`
      : `code hash ${receipt.verifier.codeHash.slice(0, 18)}…`,
  });
  if (receipt.signature) lines.push({ label: 'signed by', value: receipt.signature.signer });
  return lines;
}
