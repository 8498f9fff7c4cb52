/**
 * Every user-facing failure has a stable code, when it happens, a process exit code and a default
 * hint. docs/errors.md's table of codes is generated from this file (`npm run docs`).
 *
 * Exit codes: 0 ok · 1 invalid (a proof, a chain of proofs or an on-chain check said no) ·
 * 2 usage or input error · 3 engine/environment error · 4 chain/network error · 5 internal bug.
 */
export const EXIT = { ok: 0, invalid: 1, usage: 2, engine: 3, chain: 4, internal: 5 } as const;

export const ERROR_CODES = {
  USAGE: {
    when: 'wrong arguments or options',
    exit: EXIT.usage,
    hint: 'Run the command with --help to see its options.',
  },
  FILE_NOT_FOUND: {
    when: 'a path does not exist',
    exit: EXIT.usage,
    hint: 'Check the path; relative paths are resolved from the current directory.',
  },
  ONNX_INVALID: {
    when: 'the model file is not ONNX',
    exit: EXIT.usage,
    hint: 'Pass a model exported to ONNX (for example torch.onnx.export); the file could not be parsed as one.',
  },
  ONNX_UNSUPPORTED: {
    when: 'an EZKL limit: EZKL cannot turn an op into a circuit (op named)',
    exit: EXIT.usage,
    hint:
      'An EZKL limit: replace the named op or re-export the model ' +
      "(tree ensembles: hummingbird-ml's GEMM trees, not the converters' TreeEnsemble ops).",
  },
  INPUT_INVALID: {
    when: 'inputs not of their type, NaN/Infinity, or outside the circuit range',
    exit: EXIT.usage,
    hint: 'Inputs are JSON: {"input_data": [[...]]}, {"<input name>": [...]} or a nested array of finite numbers.',
  },
  INPUT_SHAPE: {
    when: 'wrong number of inputs or wrong shape',
    exit: EXIT.usage,
    hint: "Match the model's declared inputs; `pocompute inspect <model>` lists their names and shapes.",
  },
  OPTION_INVALID: {
    when: 'an option value out of range or of the wrong form',
    exit: EXIT.usage,
    hint: 'Run the command with --help to see the accepted values.',
  },
  CONFIG_INVALID: {
    when: 'the pocompute config file fails validation',
    exit: EXIT.usage,
    hint: 'Fix the pocompute config file (pocompute.config.json or the "pocompute" key in package.json).',
  },
  SRS_INVALID: {
    when: 'the SRS file is missing, corrupt, or too small for the circuit',
    exit: EXIT.usage,
    hint: 'Pass a KZG SRS file made for BN254 with --srs, or omit --srs to use a dev SRS for local runs.',
  },
  SRS_UNAVAILABLE: {
    when: 'the public SRS could not be downloaded',
    exit: EXIT.engine,
    hint: 'Pass --srs <file> with a downloaded SRS, or use --srs dev for an insecure local one.',
  },
  BUNDLE_INVALID: {
    when: 'the bundle is truncated, too large/deep, not a bundle, a non-felt or a malformed proof',
    exit: EXIT.usage,
    hint: 'Pass a proof bundle written by `pocompute prove` (a JSON file); this one is unreadable or truncated.',
  },
  RECEIPT_INVALID: {
    when: 'a receipt is not one: truncated, not JSON, another format, or unreadable settings',
    exit: EXIT.usage,
    hint: 'Pass a receipt written by `pocompute receipt` (pocompute-receipt@1, schemas/receipt.schema.json).',
  },
  RUN_INVALID: {
    when: "a training run's run.json is malformed or names a file outside it",
    exit: EXIT.usage,
    hint: 'Pass a run directory written by `pocompute train`; its run.json is malformed or names a file outside the run.',
  },
  STAGES_INVALID: {
    when: "a split's stages.json is malformed or a stage file was replaced",
    exit: EXIT.usage,
    hint: 'Pass a directory written by `pocompute split` (stages.json and its stage-<i>.onnx files, unchanged); re-run split if it was altered.',
  },
  ARTIFACTS_INVALID: {
    when: 'an artifacts directory is incomplete or altered',
    exit: EXIT.usage,
    hint: 'Recompile with `pocompute compile <model> --force`; the artifacts directory is incomplete or altered.',
  },
  ARTIFACTS_OUTDATED: {
    when: 'artifacts compiled by another EZKL release (21): compile again',
    exit: EXIT.usage,
    hint: 'Compile the model again with this pocompute (`pocompute compile <model.onnx> --input <sample>`).',
  },
  BUNDLE_OUTDATED: {
    when: 'a bundle proved with another EZKL release (21): prove again',
    exit: EXIT.usage,
    hint: 'Prove again with this pocompute (`pocompute prove <model.onnx> --input <input.json>`): the proof was made by another EZKL release.',
  },
  SETTINGS_MISMATCH: {
    when: 'settings and verifying key come from different compilations',
    exit: EXIT.usage,
    hint: 'The settings and the verifying key come from different compilations; use one artifacts directory.',
  },
  // Exit 2, as every missing piece of trusted key material (--vk without --srs, a split whose
  // stages are not compiled here): the verifier has not said which key to trust, so there is no
  // verdict yet — neither valid (the run's own key proves nothing) nor invalid.
  STEP_KEY_UNTRUSTED: {
    when: 'a run to verify/export has no trusted step key (compile it here)',
    exit: EXIT.usage,
    hint:
      'Compile the step circuit here (`pocompute train` does; or `pocompute compile <run>/step.onnx ' +
      '--input <run>/calibration.json --input-visibility hashed --output-visibility hashed ' +
      '--calibration resources` with the SRS the run used), or pass --artifacts <dir> with a ' +
      'compilation of it you trust.',
  },
  PROOF_INVALID: {
    when: 'a proof does not verify against the key trusted',
    exit: EXIT.invalid,
    hint: 'The proof does not verify; it was altered or made for another model or key.',
  },
  KEY_MISMATCH: {
    when: 'the bundle was made for another verifying key than the one trusted',
    exit: EXIT.invalid,
    hint: 'The bundle was made with another verifying key; verify against the key of the model that was claimed.',
  },
  CHAIN_INVALID: {
    when: 'a chain of proofs (a training run, staged proof) does not link',
    exit: EXIT.invalid,
    hint: 'The training run does not link up; the named step was altered, removed or reordered.',
  },
  ENGINE_MISSING: {
    when: 'no usable Python/EZKL (the managed venv is repaired on next use)',
    exit: EXIT.engine,
    hint: 'Run `pocompute engine install` (needs python3 ≥ 3.9 with venv), or set POCOMPUTE_PYTHON to an interpreter that has ezkl==23.0.5.',
  },
  ENGINE_INSTALL_FAILED: {
    when: 'pip could not install ezkl==23.0.5 (e.g. no package index reachable)',
    exit: EXIT.engine,
    hint: 'pip could not install ezkl==23.0.5: check access to your Python package index (PIP_INDEX_URL), or set POCOMPUTE_PYTHON.',
  },
  ENGINE_FAILED: {
    when: 'EZKL reported an error (its words are kept)',
    exit: EXIT.engine,
    hint: 'EZKL reported an error; its own words are above. Re-run with POCOMPUTE_DEBUG=1 for its full log.',
  },
  SELF_CHECK_FAILED: {
    when: "`prove`'s proof does not verify against its own artifacts",
    exit: EXIT.engine,
    hint: 'An artifacts file or the SRS changed while proving (another process?), or EZKL misbehaved; re-run, or recompile with --force.',
  },
  STAGE_LINK_MISMATCH: {
    when: "a stage's input did not re-quantize to the previous stage's output",
    exit: EXIT.engine,
    hint: "A stage's input did not re-quantize to the previous stage's output (EZKL's hashes differ); this is a bug in the split's scales: report it with the model.",
  },
  SOLC_FAILED: {
    when: 'the Solidity compiler rejected a contract',
    exit: EXIT.engine,
    hint: 'The Solidity compiler (npm solc 0.8.20) rejected the contract; its message is above.',
  },
  RPC_UNREACHABLE: {
    when: 'the RPC endpoint does not answer',
    exit: EXIT.chain,
    hint: 'Check the --rpc URL and that the node is running; `pocompute chain` starts a local one.',
  },
  CHAIN_ID_MISMATCH: {
    when: 'the chain is not the one the deployment record or --chain-id names',
    exit: EXIT.chain,
    hint: 'The RPC serves another chain than the one expected; check --rpc and --chain-id.',
  },
  NO_CODE: {
    when: 'no contract at the address given',
    exit: EXIT.chain,
    hint: 'No contract at that address on this chain; deploy it first or check --rpc.',
  },
  INSUFFICIENT_FUNDS: {
    when: 'the sending account cannot pay for the transaction',
    exit: EXIT.chain,
    hint: 'Fund the sending account, or use another key.',
  },
  TX_REVERTED: {
    when: 'a transaction or call reverted (the reason decoded by name)',
    exit: EXIT.chain,
    hint: 'The contract refused the call; the decoded reason is above.',
  },
  VERIFIER_UNTRUSTED: {
    when: "a market model's verifier/VKA is not EZKL's code for its vk (named)",
    exit: EXIT.invalid,
    hint: "The model's on-chain verifier is not the one EZKL emits for its key: do not post, work on or trust tasks of this model.",
  },
  BATCH_MISMATCH: {
    when: "a batch's published inputs or results do not match the Merkle root the chain holds",
    exit: EXIT.invalid,
    hint: 'Do not work on (or trust a result of) this batch: what its transaction published is not what its root commits to.',
  },
  BOUNTY_INVALID: {
    when: "a bounty's terms, secret or registered circuits are not what pocompute posts",
    exit: EXIT.usage,
    hint: 'Bounties are posted with `pocompute bounty post`; `pocompute bounty show <id>` prints their terms.',
  },
  BOUNTY_MISMATCH: {
    when: 'the base model, data or circuits given do not match what the bounty committed to on chain',
    exit: EXIT.invalid,
    hint: "Do not work on this bounty with these files: get the base model and training data whose hashes the bounty's terms hold.",
  },
  VKA_TOO_LARGE: {
    when: "a reusable model's VKA does not fit one VKA store (EIP-170): split the model",
    exit: EXIT.usage,
    hint: 'Split the model (`pocompute split`) and register its stages: each stage has a smaller key.',
  },
  VERIFIER_MISMATCH: {
    when: 'the verifier at an address was deployed for another verifying key',
    exit: EXIT.chain,
    hint: 'That verifier was deployed for another verifying key; deploy one for this model.',
  },
  KEY_UNAVAILABLE: {
    when: 'no private key in the env var or keystore',
    exit: EXIT.usage,
    hint: 'Set POCOMPUTE_PRIVATE_KEY (or the variable named by --key-env), or pass --keystore <file>.',
  },
  FLOAT_REFERENCE_UNAVAILABLE: {
    when: 'onnxruntime-web does not load (the float reference and the optimiser need it; proofs do not)',
    exit: EXIT.engine,
    hint: 'Reinstall pocompute (npm ci): onnxruntime-web, a dependency, runs the float reference; proofs do not need it.',
  },
  INTERNAL: {
    when: 'a bug',
    exit: EXIT.internal,
    hint: 'This is a bug in pocompute; please report it with the command you ran.',
  },
} as const satisfies Record<string, { when: string; exit: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
