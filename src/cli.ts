import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command('pocompute')
    .description('Proof-of-compute for ML models: prove that an ONNX model ran, verify it in Node or on an EVM chain.')
    .version('0.1.0');
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
