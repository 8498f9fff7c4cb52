// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @title IPocomputeBounties
/// @notice Training bounties: a requester escrows a reward for a fine-tune of a base model on
/// committed training data that reaches a target metric on an evaluation set the requester keeps
/// secret (committed) until a worker has committed its result. Verifiers are the market's
/// registered models (their code hashes pinned at registration).
///
/// Life of a bounty:
/// 1. `postBounty`: the reward is escrowed with the terms: the step circuit's and the evaluation
///    circuit's market models, the base model (sha256 and the Poseidon hashes of its trainable
///    tensors), the training data's commitment, the root of the scheduled batches' hashes, the
///    evaluation set's commitment, the metric and its target, deadlines and bonds.
/// 2. `seal`: one worker, before `commitDeadline`, with the worker bond, takes the bounty with a
///    sealed hash of its run (bound to its address and a salt): a copy of the pending seal from the
///    mempool is a seal its sender can never open.
/// 3. `commit`: the sealing worker, in a later block and within `responseTime` of the seal, opens
///    it: its run, the Poseidon hashes of the trainable tensors after each step (the last entry:
///    the final weights), and the salt. A seal not opened in time loses the bond to the requester
///    and the bounty opens again (or, after `commitDeadline`, the reward goes back).
/// 4. `reveal`: only after a commit, the evaluation set's field elements and the salt; they must
///    match the commitment, and each must read (as a signed felt) within `evalBound`.
/// 5. `proveMetric`: the evaluation proof of the committed final weights on the revealed set; its
///    public outputs carry the final weights (the delivery) and the metric.
/// 6. Any step can be challenged until `challengeEnd`; the step's proof answers it (`respond`).
///    An unanswered challenge fails the bounty: the worker bond is split between challenger and
///    requester, the reward goes back.
/// 7. `settle`: pays whoever the state says (worker: target met, or no reveal in time; requester:
///    no commit in time, a seal not opened in time, no proof in time, target missed).
interface IPocomputeBounties {
    enum Metric {
        LossAtMost,
        AccuracyAtLeast
    }

    enum Phase {
        None,
        Open, // posted, waiting for a seal
        Sealed, // a worker sealed its run with the worker bond; it must open it (commit) by openDeadline
        Committed, // a worker committed its run; the requester must reveal
        Revealed, // the evaluation set is public; the worker must prove the metric
        Met, // the metric was proved and meets the target: paid at settle (challenge window over)
        Missed, // the metric was proved and misses the target: reward back, bond back at settle
        Paid, // terminal: the worker was paid
        Failed, // terminal: a challenge was upheld, or no metric proof in time
        Refunded // terminal: cancelled, or no commit in time; or target missed (settled)
    }

    struct Terms {
        uint256 stepModelId; // market model: one SGD step, instances [in ×k | features, labels | out ×k | loss]
        uint256 evalModelId; // market model: evaluation, instances [weights ×k | features, labels | weight felts | eval felts | metric]
        bytes32 baseModelSha256; // the base model file (recorded: receipts and off-chain verify)
        bytes32 dataCommitment; // sha256-merkle@1 commitment of the training data (recorded)
        bytes32 batchRoot; // BatchMerkle root over maxSteps leaves keccak256(abi.encode(step, featuresHash, labelsHash)) (96 bytes: never an inner node)
        bytes32 evalCommit; // keccak256(abi.encode(keccak256(abi.encode(evalFelts)), salt))
        Metric metric;
        int256 target; // at the evaluation circuit's metric scale (the metric instance read as a signed felt)
        uint32 maxSteps; // leaves under batchRoot
        uint32 evalFelts; // how many field elements the evaluation set has (features then labels)
        uint32 weightFelts; // how many field elements the final weights have (the evaluation's public copy)
        uint64 commitDeadline;
        uint32 revealTime; // seconds after the commit the requester has to reveal
        uint32 proveTime; // seconds after the reveal the worker has to prove the metric
        uint32 challengeWindow; // seconds after the commit a step can be challenged
        uint32 responseTime; // seconds the worker has to answer a challenge, and to open its seal
        uint128 workerBond;
        uint128 challengerBond; // at least the market's minChallengerBond (it pays for an answer)
        uint256 evalBound; // the largest magnitude a revealed evaluation felt may have, read as a signed felt (x > r/2: r - x); 0 < evalBound < 2**64
    }

    struct Bounty {
        address requester;
        Phase phase;
        address worker;
        uint32 steps; // steps the committed run has
        uint32 openChallenges;
        uint64 committedAt;
        uint64 revealDeadline;
        uint64 proveDeadline;
        uint64 challengeEnd;
        uint64 lastChallengeDeadline;
        uint256 reward;
        bytes32 trajectoryHash; // keccak256(abi.encode(trajectory))
        bytes32 evalDataHash; // keccak256(abi.encode(evalFelts)), set at reveal
        int256 metricValue; // set by proveMetric
    }

    struct Challenge {
        address challenger; // zero: none open
        uint64 deadline;
        bool answered;
    }

    event BountyPosted(uint256 indexed bountyId, address indexed requester, uint256 reward, Terms terms, uint256[] baseWeightsHash);
    event BountyCancelled(uint256 indexed bountyId);
    event RunSealed(uint256 indexed bountyId, address indexed worker, bytes32 sealHash, uint64 openDeadline);
    event RunCommitted(uint256 indexed bountyId, address indexed worker, uint256[] trajectory, uint64 revealDeadline, uint64 challengeEnd);
    event EvalRevealed(uint256 indexed bountyId, uint256[] evalFelts, bytes32 salt, uint64 proveDeadline);
    event MetricProved(uint256 indexed bountyId, int256 metric, bool met, uint256[] finalWeights);
    event StepChallenged(uint256 indexed bountyId, uint32 indexed step, address indexed challenger, uint64 deadline);
    event StepAnswered(uint256 indexed bountyId, uint32 indexed step, address indexed challenger);
    event ChallengeUpheld(uint256 indexed bountyId, uint32 indexed step, address indexed challenger, uint256 paid);
    event ChallengeClosed(uint256 indexed bountyId, uint32 indexed step, address indexed challenger);
    event BountySettled(uint256 indexed bountyId, Phase phase, address paidTo, uint256 amount);
    event PaymentCredited(address indexed to, uint256 amount);

    error UnknownBounty();
    error BadTerms();
    error NoReward();
    error WrongPhase(Phase phase);
    error NotRequester();
    error DeadlinePassed();
    error WrongBond(uint256 expected, uint256 got);
    error BadTrajectory();
    /// Only the worker who sealed may open the seal.
    error NotWorker();
    /// The seal is opened in a later block than it was sealed in.
    error SameBlock();
    /// keccak256(abi.encode(bountyId, worker, keccak256(abi.encode(trajectory)), salt)) is not the seal.
    error SealMismatch();
    /// The evaluation set can only be revealed once a worker has committed its run.
    error NotCommitted();
    error RevealMismatch();
    error TrajectoryMismatch();
    error WrongInstanceCount(uint256 expected, uint256 got);
    error WeightsMismatch();
    error EvalMismatch();
    error BatchMismatch();
    error InvalidProof();
    error VerifierChanged();
    error BadStep();
    error WindowClosed();
    error ChallengeAlreadyOpen();
    error StepAlreadyAnswered();
    error NoOpenChallenge();
    error ResponseTimeOver();
    error ResponseTimeNotOver(uint64 deadline);
    error NothingToSettle();
    error ChallengesOpen(uint32 open);
    /// The worker is paid (or its bond returned) only once no step can be challenged any more.
    error ChallengeWindowOpen(uint64 challengeEnd);
    error NothingToWithdraw();
    error TransferFailed();

    /// @notice Posts a bounty; the reward is the ETH sent. `baseWeightsHash`: the Poseidon hashes
    /// of the base model's trainable tensors, in the step circuit's order (step 0 must start there).
    function postBounty(Terms calldata terms, uint256[] calldata baseWeightsHash) external payable returns (uint256 bountyId);

    /// @notice The requester withdraws a bounty nobody has sealed (phase Open).
    function cancel(uint256 bountyId) external;

    /// @notice A worker takes an Open bounty (before `commitDeadline`) with the worker bond and a
    /// seal of its run: `sealHash` = keccak256(abi.encode(bountyId, worker, keccak256(abi.encode(trajectory)), salt)).
    /// It must open it with `commit` in a later block, by `openDeadline` = now + `responseTime`.
    function seal(uint256 bountyId, bytes32 sealHash) external payable;

    /// @notice The sealing worker opens its seal: `trajectory` is, per step, the Poseidon hashes
    /// of the trainable tensors after it (steps × k felts; k: baseWeightsHash.length), `salt` the
    /// seal's salt. Only the worker, in a later block than the seal, by `openDeadline`.
    function commit(uint256 bountyId, uint256[] calldata trajectory, bytes32 salt) external;

    /// @notice Reveals the evaluation set (after a commit, before the reveal deadline); every felt
    /// must read, as a signed felt, within ±`evalBound`.
    function reveal(uint256 bountyId, uint256[] calldata evalFelts, bytes32 salt) external;

    /// @notice The evaluation proof of the committed final weights on the revealed set.
    function proveMetric(uint256 bountyId, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice Challenges one step of the committed run, locking the challenger bond.
    function challenge(uint256 bountyId, uint32 step) external payable;

    /// @notice Answers a challenge with the step's proof, the committed trajectory and the
    /// inclusion path of the step's batch leaf under `batchRoot`. Anyone may send it; the
    /// challenger bond goes to the worker. Refused (`WrongPhase`) once the bounty is terminal:
    /// its bonds are settled and `closeChallenge` returns the challenger's.
    function respond(uint256 bountyId, uint32 step, bytes calldata proof, uint256[] calldata instances, uint256[] calldata trajectory, bytes32[] calldata batchPath) external;

    /// @notice Upholds a challenge not answered in time: the bounty fails.
    function settleChallenge(uint256 bountyId, uint32 step) external;

    /// @notice Returns the bond of a challenge still open when the bounty ended another way.
    function closeChallenge(uint256 bountyId, uint32 step) external;

    /// @notice Settles whatever is due (see the contract's description); reverts NothingToSettle.
    /// A seal not opened by `openDeadline`: the worker bond to the requester, and the bounty is
    /// Open again (before `commitDeadline`) or Refunded (after it, the reward back).
    function settle(uint256 bountyId) external;

    /// @notice Pays out what a recipient refused when it was sent.
    function withdraw() external;

    function getBounty(uint256 bountyId) external view returns (Bounty memory);
    function getTerms(uint256 bountyId) external view returns (Terms memory);
    function getBaseWeightsHash(uint256 bountyId) external view returns (uint256[] memory);
    function getChallenge(uint256 bountyId, uint32 step) external view returns (Challenge memory);
    /// @notice The bounty's seal: all zero while none was sealed (or after an unopened seal was
    /// settled); once opened it stays as sealed (a record).
    function getSeal(uint256 bountyId) external view returns (bytes32 sealHash, uint64 sealBlock, uint64 openDeadline);
    function bountyCount() external view returns (uint256);
}
