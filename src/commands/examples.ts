/**
 * One or more examples for every command's help page (`pocompute <command> --help`), by command
 * path. Kept in one place so that help pages stay consistent with the docs.
 */
export const COMMAND_EXAMPLES: Record<string, string[]> = {
  pocompute: [
    'pocompute demo',
    'pocompute prove fixtures/mlp/model.onnx --input fixtures/mlp/input.json --out out/mlp.proof',
    'pocompute verify out/mlp.proof --artifacts ~/.pocompute/artifacts/mlp-<key>',
  ],
  demo: ['pocompute demo', 'pocompute demo --fixture cnn --out out/'],
  compile: [
    'pocompute compile fixtures/mlp/model.onnx --input fixtures/mlp/input.json',
    'pocompute compile model.onnx --input sample.json --output-visibility hashed --srs kzg17.srs',
  ],
  prove: [
    'pocompute prove fixtures/mlp/model.onnx --input fixtures/mlp/input.json --out out/mlp.proof',
    'pocompute prove ~/.pocompute/artifacts/mlp-<key> --input x.json --json',
    'pocompute prove model.onnx --stages 2 --jobs 2 --input x.json --out out/x.staged.proof',
    'pocompute prove out/mlp-stages --input fixtures/mlp/input.json --out out/mlp.staged.proof',
  ],
  split: [
    'pocompute split fixtures/mlp/model.onnx --stages 2 --out out/mlp-stages',
    'pocompute split model.onnx --stages auto --out stages/ --json',
  ],
  verify: [
    'pocompute verify out/mlp.proof --artifacts ~/.pocompute/artifacts/mlp-<key>',
    'pocompute verify out/a.proof out/b.proof --vk vk.key --settings settings.json --json',
    'cat out/mlp.proof | pocompute verify - --artifacts <dir>',
    'pocompute verify out/mlp.proof --onchain --verifier 0x… --rpc http://127.0.0.1:8545',
    'pocompute verify runs/ft1 --data fixtures/mlp/train.json',
    'pocompute verify out/mlp.staged.proof --artifacts out/mlp-stages',
  ],
  receipt: [
    'pocompute receipt out/mlp.proof --out out/mlp.receipt.json',
    'pocompute receipt out/mlp.proof --task 3 --sign --rpc http://127.0.0.1:8545 --out out/task3.receipt.json',
  ],
  check: [
    'pocompute check out/mlp.receipt.json',
    'pocompute check out/task3.receipt.json --rpc http://127.0.0.1:8545 --market 0x… --model fixtures/mlp/model.onnx',
    'pocompute check out/mlp.receipt.json --artifacts ~/.pocompute/artifacts/mlp-<key> --json',
  ],
  page: ['pocompute page --port 8080', 'pocompute page --out site/'],
  'deploy-verifier': [
    'pocompute deploy-verifier fixtures/mlp/model.onnx',
    'POCOMPUTE_PRIVATE_KEY=0x… pocompute deploy-verifier model.onnx --rpc https://rpc.example --chain-id 11155111',
  ],
  calldata: ['pocompute calldata out/mlp.proof > calldata.hex'],
  chain: ['pocompute chain', 'pocompute chain --port 8545 --json'],
  market: ['pocompute market deploy'],
  'market deploy': ['pocompute market deploy --rpc http://127.0.0.1:8545'],
  'market list': ['pocompute market list --json'],
  'market use': ['pocompute market use 0x…'],
  model: ['pocompute model register fixtures/mlp/model.onnx', 'pocompute model pipeline 0'],
  'model register': [
    'pocompute model register fixtures/mlp/model.onnx --json',
    'pocompute model register out/mlp-stages --input fixtures/mlp/input.json',
  ],
  'model pipeline': ['pocompute model pipeline 0', 'pocompute model pipeline 3 4 --json'],
  task: ['pocompute task list', 'pocompute task show 0', 'pocompute task show 3:1'],
  'task post': [
    'pocompute task post --model 0 --input fixtures/mlp/input.json --reward 0.05 --deadline 1h',
    'pocompute task post --mode optimistic --pipeline 0 --input fixtures/mlp/input.json --reward 0.05 --window 10m --worker-bond 0.1 --challenger-bond 0.05',
  ],
  'task list': ['pocompute task list --json'],
  'task show': ['pocompute task show 0', 'pocompute task show 3:1'],
  'task cancel': ['pocompute task cancel 0', 'pocompute task cancel 3:1'],
  'task refund': ['pocompute task refund 0', 'pocompute task refund 3:1'],
  'task post-batch': [
    'pocompute task post-batch --pipeline 0 --input a.json b.json c.json --reward 0.01 --worker-bond 0.02 --challenger-bond 0.05',
  ],
  'task claim-batch': ['pocompute task claim-batch 3', 'pocompute task claim-batch 3 --json'],
  'task finalize-batch': ['pocompute task finalize-batch 3'],
  bounty: ['pocompute bounty list', 'pocompute bounty show 0'],
  'bounty post': [
    'pocompute bounty post --base fixtures/real/mlp_784_56_10/model.onnx --data train.json --eval eval.json --target "accuracy>=0.9" --reward 1 --deadline 2d',
  ],
  'bounty list': ['pocompute bounty list --json'],
  'bounty show': ['pocompute bounty show 0'],
  'bounty work': [
    'pocompute bounty work 0 --base fixtures/real/mlp_784_56_10/model.onnx --data train.json --steps 4 --out runs/bounty-0',
  ],
  'bounty reveal': ['pocompute bounty reveal 0'],
  'bounty prove': ['pocompute bounty prove 0 --run runs/bounty-0'],
  'bounty respond': ['pocompute bounty respond 0 --run runs/bounty-0'],
  'bounty audit': [
    'pocompute bounty audit 0 --base fixtures/real/mlp_784_56_10/model.onnx --data train.json --challenge',
  ],
  'bounty challenge': ['pocompute bounty challenge 0 2'],
  'bounty settle-challenge': ['pocompute bounty settle-challenge 0 2'],
  'bounty export': [
    'pocompute bounty export 0 --base fixtures/real/mlp_784_56_10/model.onnx --out tuned.onnx',
  ],
  'bounty settle': ['pocompute bounty settle 0'],
  'bounty cancel': ['pocompute bounty cancel 0'],
  submit: ['pocompute submit 0 out/x.proof'],
  worker: ['pocompute worker', 'pocompute worker --json --artifacts-root ./artifacts'],
  watch: ['pocompute watch', 'pocompute watch --once --json'],
  train: [
    'pocompute train fixtures/mlp/model.onnx --data fixtures/mlp/train.json --steps 3 --out runs/ft1',
  ],
  export: ['pocompute export runs/ft1 --out ft1.onnx'],
  inspect: ['pocompute inspect fixtures/cnn/model.onnx', 'pocompute inspect model.onnx --json'],
  cache: [
    'pocompute cache ls',
    'pocompute cache rm 3f2a9c01',
    'pocompute cache prune --older-than 30d',
    'pocompute cache clean',
  ],
  'cache ls': ['pocompute cache ls --json'],
  'cache rm': ['pocompute cache rm mlp-1a2b3c4d5e6f7a8b', 'pocompute cache rm 3f2a9c01 --json'],
  'cache prune': ['pocompute cache prune --older-than 7d'],
  'cache clean': ['pocompute cache clean --yes'],
  doctor: ['pocompute doctor', 'pocompute doctor --json'],
  engine: ['pocompute engine install'],
  'engine install': [
    'pocompute engine install',
    'POCOMPUTE_PYTHON=/usr/bin/python3 pocompute doctor',
  ],
  'export-key': [
    'pocompute export-key out/mlp.proof --out keys/mlp',
    'pocompute verify out/mlp.proof --artifacts keys/mlp',
  ],
  completion: [
    "echo 'source <(pocompute completion bash)' >> ~/.bashrc",
    'pocompute completion fish > ~/.config/fish/completions/pocompute.fish',
  ],
};
