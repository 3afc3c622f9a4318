// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title SettlementLedger
 * @notice Commitments of §42c EnWG energy-sharing settlements. Per community, quarter-hour interval and
 * version the ledger keeps the Merkle root of the interval's microtransactions, their count and their
 * totals, so that anyone can prove one microtransaction against its batch. Nothing personal is stored:
 * the community is `keccak256(utf8(communityId))`, parties appear only as salted hashes inside leaves.
 *
 * Leaves follow OpenZeppelin `StandardMerkleTree`: `keccak256(bytes.concat(keccak256(abi.encode(...))))`
 * over (transactionKey, sellerHash, buyerHash, intervalStart, energyWh, priceMilliCtPerKWh, amountCt,
 * direction), with sorted pairs.
 *
 * A correction of a closed interval is committed as the next version; versions of an interval are
 * strictly consecutive, nothing is ever overwritten. `recordTransaction` is the one-transaction-per-
 * microtransaction alternative kept for comparison (benchmarks); settlement itself commits batches.
 */
contract SettlementLedger is AccessControl {
    /// @notice Accounts allowed to commit batches and record transactions (the settlement committer).
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Length of a settlement interval in seconds (one quarter hour).
    uint64 public constant INTERVAL_SECONDS = 900;

    /// @notice Longest proof accepted: far beyond any tree that fits in a block, bounds the loop.
    uint256 public constant MAX_PROOF_LENGTH = 64;

    /// @notice Most batches one `commitBatches` call takes: bounds its loop and its gas (~60k each).
    uint256 public constant MAX_BATCHES_PER_CALL = 200;

    /// @notice Direction of a delivery leaf (energy and money flow from seller to buyer).
    uint8 public constant DIRECTION_DELIVERY = 0;

    /// @notice Direction of a reversal leaf (an adjustment that takes energy and money back).
    uint8 public constant DIRECTION_REVERSAL = 1;

    /// @notice What is stored per (community, interval, version): two storage slots.
    struct Batch {
        bytes32 merkleRoot;
        uint32 transactionCount;
        uint64 committedAtBlock;
        uint80 totalEnergyWh;
        uint80 totalAmountCt;
    }

    /// @notice One (community, interval, version) batch as given to `commitBatches`.
    struct BatchInput {
        bytes32 communityKey;
        uint64 intervalStart;
        uint32 version;
        bytes32 merkleRoot;
        uint32 transactionCount;
        uint80 totalEnergyWh;
        uint80 totalAmountCt;
    }

    /// @notice The fields of one microtransaction, exactly the leaf layout.
    struct MicroTransaction {
        bytes32 transactionKey;
        bytes32 sellerHash;
        bytes32 buyerHash;
        uint64 intervalStart;
        uint64 energyWh;
        uint64 priceMilliCtPerKWh;
        uint64 amountCt;
        uint8 direction;
    }

    mapping(bytes32 communityKey => mapping(uint64 intervalStart => mapping(uint32 version => Batch)))
        private _batches;
    mapping(bytes32 transactionKey => bytes32 leaf) private _recordedLeaves;

    /// @notice A batch was committed.
    event BatchCommitted(
        bytes32 indexed communityKey,
        uint64 indexed intervalStart,
        uint32 indexed version,
        bytes32 merkleRoot,
        uint32 transactionCount,
        uint80 totalEnergyWh,
        uint80 totalAmountCt,
        address committer
    );

    /// @notice One microtransaction was recorded on its own (the per-transaction path).
    event TransactionRecorded(
        bytes32 indexed communityKey,
        bytes32 indexed transactionKey,
        uint64 indexed intervalStart,
        bytes32 leaf,
        address committer
    );

    /// @notice An address argument was the zero address.
    error ZeroAddress();
    /// @notice The interval start is not aligned to a quarter hour.
    error IntervalNotQuarterHour(uint64 intervalStart);
    /// @notice This (community, interval, version) is already committed.
    error BatchAlreadyCommitted(bytes32 communityKey, uint64 intervalStart, uint32 version);
    /// @notice The version is not the next one of the interval (version 1, or the previous one exists).
    error VersionOutOfOrder(bytes32 communityKey, uint64 intervalStart, uint32 version);
    /// @notice Root, count and totals do not fit together (an empty batch has a zero root and zero totals).
    error InconsistentBatch();
    /// @notice The proof is longer than `MAX_PROOF_LENGTH`.
    error ProofTooLong(uint256 length);
    /// @notice The direction is neither delivery nor reversal.
    error InvalidDirection(uint8 direction);
    /// @notice A microtransaction with this key is already recorded.
    error TransactionAlreadyRecorded(bytes32 transactionKey);
    /// @notice `commitBatches` got no batch or more than `MAX_BATCHES_PER_CALL`.
    error BatchCountOutOfRange(uint256 count);

    /**
     * @notice Deploys the ledger.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` (grants and revokes roles).
     * @param operator First holder of `OPERATOR_ROLE`.
     */
    constructor(address admin, address operator) {
        if (admin == address(0) || operator == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    /**
     * @notice Commits the batch of one (community, interval, version). The version must be the
     * interval's latest + 1: 1 for the first settlement, otherwise version - 1 must be committed and
     * version not yet (versions are consecutive, so this is latest + 1 without a separate counter).
     * Only `OPERATOR_ROLE`.
     * @param communityKey `keccak256(utf8(communityId))`.
     * @param intervalStart Quarter-hour start, unix seconds.
     * @param version 1 for the first settlement, each correction the next.
     * @param merkleRoot Root of the interval's microtransactions (zero only for an empty batch).
     * @param transactionCount Number of leaves.
     * @param totalEnergyWh Sum of the leaves' energy in Wh.
     * @param totalAmountCt Sum of the leaves' amounts in cents.
     */
    function commitBatch(
        bytes32 communityKey,
        uint64 intervalStart,
        uint32 version,
        bytes32 merkleRoot,
        uint32 transactionCount,
        uint80 totalEnergyWh,
        uint80 totalAmountCt
    ) external onlyRole(OPERATOR_ROLE) {
        BatchInput memory b = BatchInput(
            communityKey, intervalStart, version, merkleRoot, transactionCount, totalEnergyWh, totalAmountCt
        );
        if (!_commit(b)) revert BatchAlreadyCommitted(communityKey, intervalStart, version);
    }

    /**
     * @notice Commits many (community, interval, version) batches in one transaction, each checked as
     * `commitBatch` checks it, so that a city's communities settle a quarter hour in few transactions. A
     * batch committed already with the same root, count and totals is skipped (a retried call is
     * harmless, no event); with other content the whole call reverts. Only `OPERATOR_ROLE`.
     * @param batches At most `MAX_BATCHES_PER_CALL` batches.
     * @return committed How many were committed by this call (the rest were on chain already).
     */
    function commitBatches(
        BatchInput[] calldata batches
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 committed) {
        uint256 n = batches.length;
        if (n == 0 || n > MAX_BATCHES_PER_CALL) revert BatchCountOutOfRange(n);
        for (uint256 i = 0; i < n; ++i) {
            if (_commit(batches[i])) ++committed;
        }
    }

    /// @dev Checks and stores one batch; false if it is already committed with identical content.
    function _commit(BatchInput memory b) private returns (bool) {
        if (b.intervalStart % INTERVAL_SECONDS != 0) revert IntervalNotQuarterHour(b.intervalStart);
        mapping(uint32 version => Batch) storage versions = _batches[b.communityKey][b.intervalStart];
        Batch storage existing = versions[b.version];
        if (existing.committedAtBlock != 0) {
            if (
                existing.merkleRoot == b.merkleRoot &&
                existing.transactionCount == b.transactionCount &&
                existing.totalEnergyWh == b.totalEnergyWh &&
                existing.totalAmountCt == b.totalAmountCt
            ) return false;
            revert BatchAlreadyCommitted(b.communityKey, b.intervalStart, b.version);
        }
        if (b.version == 0 || (b.version > 1 && versions[b.version - 1].committedAtBlock == 0)) {
            revert VersionOutOfOrder(b.communityKey, b.intervalStart, b.version);
        }
        if (b.transactionCount == 0) {
            if (b.merkleRoot != bytes32(0) || b.totalEnergyWh != 0 || b.totalAmountCt != 0) revert InconsistentBatch();
        } else if (b.merkleRoot == bytes32(0)) {
            revert InconsistentBatch();
        }

        versions[b.version] = Batch({
            merkleRoot: b.merkleRoot,
            transactionCount: b.transactionCount,
            committedAtBlock: uint64(block.number),
            totalEnergyWh: b.totalEnergyWh,
            totalAmountCt: b.totalAmountCt
        });
        emit BatchCommitted(
            b.communityKey,
            b.intervalStart,
            b.version,
            b.merkleRoot,
            b.transactionCount,
            b.totalEnergyWh,
            b.totalAmountCt,
            msg.sender
        );
        return true;
    }

    /**
     * @notice Records one microtransaction in a transaction of its own: the per-transaction
     * alternative to batches, kept to compare cost and throughput. Only `OPERATOR_ROLE`.
     * @param communityKey `keccak256(utf8(communityId))`.
     * @param transaction The microtransaction's leaf fields.
     */
    function recordTransaction(
        bytes32 communityKey,
        MicroTransaction calldata transaction
    ) external onlyRole(OPERATOR_ROLE) {
        if (transaction.intervalStart % INTERVAL_SECONDS != 0) revert IntervalNotQuarterHour(transaction.intervalStart);
        if (transaction.direction > DIRECTION_REVERSAL) revert InvalidDirection(transaction.direction);
        if (_recordedLeaves[transaction.transactionKey] != bytes32(0)) {
            revert TransactionAlreadyRecorded(transaction.transactionKey);
        }
        bytes32 leaf = leafHash(transaction);
        _recordedLeaves[transaction.transactionKey] = leaf;
        emit TransactionRecorded(communityKey, transaction.transactionKey, transaction.intervalStart, leaf, msg.sender);
    }

    /**
     * @notice The batch stored for (community, interval, version); all zero when none is committed.
     * @param communityKey `keccak256(utf8(communityId))`.
     * @param intervalStart Quarter-hour start, unix seconds.
     * @param version Batch version.
     * @return The stored batch (`committedAtBlock` is 0 when absent).
     */
    function getBatch(bytes32 communityKey, uint64 intervalStart, uint32 version) external view returns (Batch memory) {
        return _batches[communityKey][intervalStart][version];
    }

    /**
     * @notice The leaf recorded through `recordTransaction` for a transaction key (zero when none).
     * @param transactionKey `keccak256(utf8(transactionId))`.
     * @return The recorded leaf hash.
     */
    function recordedLeaf(bytes32 transactionKey) external view returns (bytes32) {
        return _recordedLeaves[transactionKey];
    }

    /**
     * @notice Proves a leaf hash against the stored root of its batch. Anyone may call it.
     * @param communityKey `keccak256(utf8(communityId))`.
     * @param intervalStart Quarter-hour start, unix seconds.
     * @param version Batch version.
     * @param leaf The leaf hash (`StandardMerkleTree` double hash).
     * @param proof Sibling hashes from leaf to root.
     * @return True when the batch exists and the proof leads from `leaf` to its root.
     */
    function verify(
        bytes32 communityKey,
        uint64 intervalStart,
        uint32 version,
        bytes32 leaf,
        bytes32[] calldata proof
    ) public view returns (bool) {
        if (proof.length > MAX_PROOF_LENGTH) revert ProofTooLong(proof.length);
        Batch storage batch = _batches[communityKey][intervalStart][version];
        if (batch.transactionCount == 0) return false;
        return MerkleProof.verifyCalldata(proof, batch.merkleRoot, leaf);
    }

    /**
     * @notice Proves one microtransaction, given by its fields, against the stored root of its batch.
     * The leaf is hashed on chain, so the caller only has to trust the contract. Anyone may call it.
     * @param communityKey `keccak256(utf8(communityId))`.
     * @param version Batch version (the interval is the transaction's own).
     * @param transaction The microtransaction's leaf fields.
     * @param proof Sibling hashes from leaf to root.
     * @return True when the batch exists and the proof leads from the transaction to its root.
     */
    function verifyTransaction(
        bytes32 communityKey,
        uint32 version,
        MicroTransaction calldata transaction,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return verify(communityKey, transaction.intervalStart, version, leafHash(transaction), proof);
    }

    /**
     * @notice The `StandardMerkleTree` leaf hash of a microtransaction.
     * @param t The microtransaction's leaf fields.
     * @return `keccak256(bytes.concat(keccak256(abi.encode(fields...))))`.
     */
    function leafHash(MicroTransaction calldata t) public pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    keccak256(
                        abi.encode(
                            t.transactionKey,
                            t.sellerHash,
                            t.buyerHash,
                            t.intervalStart,
                            t.energyWh,
                            t.priceMilliCtPerKWh,
                            t.amountCt,
                            t.direction
                        )
                    )
                )
            );
    }
}
