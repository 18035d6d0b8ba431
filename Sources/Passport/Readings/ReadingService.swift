import Credentials
import Encoding
import Foundation
import Identity
import Ledger
import Readings
import Trie

/// What an operator pays for readings and how often.
public struct ReadingRewards: Sendable, Hashable {
    /// Paid from the operator's pool for each rewarded reading.
    public var perReading: UInt64
    /// Slots between two rewarded readings of one battery (the specification's 30 days ≈ 129,600).
    public var cooldownSlots: UInt64

    public init(perReading: UInt64 = 1_000_000, cooldownSlots: UInt64 = 129_600) {
        self.perReading = perReading
        self.cooldownSlots = cooldownSlots
    }
}

/// What one incorporation batch did.
public struct IncorporationSummary: Sendable {
    public var operatorID: String
    public var incorporated: Int
    public var rejected: Int
    public var rewarded: Int
    /// The total paid from the pool.
    public var paid: UInt64
    /// The trie root the settlement anchored, nil when nothing was pending.
    public var root: Hash32?
    public var transaction: Hash32?
    /// Whether an interrupted batch was finished first.
    public var recovered: Bool
    /// Each reading of this batch: `rewarded`, a soft gate's code (incorporated without reward:
    /// `reader_not_authorized`, `cooldown_active`, `reward_pool_empty`) or a hard gate's (rejected).
    public var outcomes: [(reading: Hash32, code: String)]

    public var json: JSONObject {
        [
            "operator": .string(operatorID), "incorporated": .number(Double(incorporated)), "rejected": .number(Double(rejected)),
            "rewarded": .number(Double(rewarded)), "paid": .number(Double(paid)), "root": root.map { .string($0.hex) } ?? .null,
            "transaction": transaction.map { .string($0.hex) } ?? .null, "recovered": .bool(recovered),
            "outcomes": .array(outcomes.map { .object(["reading": .string($0.reading.hex), "code": .string($0.code)]) }),
        ]
    }
}

/// The signed-readings protocol: commitments on the ledger, submissions checked by the hard gates and
/// left pending on the ledger, and the operator's batch that re-checks them against the leaves,
/// updates the leaves, anchors the new root and pays the rewards in one ledger transaction.
public struct ReadingService: Sendable {
    public let passports: PassportService
    let gates: ReadingGates
    public let rewards: ReadingRewards
    /// Where a batch writes its plan before it changes anything (see ``IncorporationJournal``).
    let journal: IncorporationJournal
    /// Single-use challenges for reader-right transfers (`POST /challenges`).
    let challenges: any SingleUseChallenges
    /// Where an operator's batch takes its lease, so one instance at a time runs it.
    let leases: any LeaseRepository
    /// This instance's name as a lease holder.
    let holder: String

    /// How long an instance holds an operator's batch before another may take it over (it crashed).
    static let batchLease: Duration = .seconds(120)

    /// The protocol over `passports`, with the batches' plans kept in `plans` and their leases in `leases`.
    public init(
        passports: PassportService, gates: ReadingGates, rewards: ReadingRewards, plans: any IncorporationPlanRepository,
        leases: any LeaseRepository, holder: String, challenges: any SingleUseChallenges
    ) {
        self.leases = leases
        self.holder = holder
        self.passports = passports
        self.gates = gates
        self.rewards = rewards
        self.journal = IncorporationJournal(plans: plans)
        self.challenges = challenges
    }

    /// The ledger the protocol runs on.
    public var ledger: any Ledger { passports.ledger }

    // MARK: - Commitments and submissions

    /// Records a user's commitment to read the battery; its transaction hash is the challenge.
    public func commit(batteryID: String, user: KeyHash, nonce: [UInt8]? = nil) async throws -> CommitmentRecord {
        let device = try await passports.device(batteryID)
        let leaf = try await passports.leaf(of: device)
        guard leaf.status == .virgin || leaf.status == .active else {
            throw ReadingRejection("battery_not_in_service", "\(device.id) is \(leaf.status); it takes no readings")
        }
        var generator = SystemRandomNumberGenerator()
        let nonce = nonce ?? (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let receipt = try await ledger.commit(batteryID: device.id, userKeyHash: user, nonce: nonce)
        guard let record = try await ledger.commitment(receipt.hash) else {
            throw LedgerError(code: "commitment_not_found", message: "the ledger did not record the commitment")
        }
        return record
    }

    /// Submits a signed reading: the submitter proves their key by signing the submission, the hard
    /// gates check it against the battery's leaf, and the ledger consumes its commitment. The reading
    /// then waits for the operator's batch.
    public func submit(_ bytes: [UInt8], submitter key: PublicKey, signature: [UInt8]) async throws -> ReadingRecord {
        let decoded: SignedReading
        do {
            decoded = try SignedReading(decoding: bytes)
        } catch let error as any CodedError {
            throw ReadingRejection(error.code, error.message)
        }
        guard let challenge = Hash32(bytes: decoded.reading.challenge) else {
            throw ReadingRejection("challenge_mismatch", "the challenge is not a 32-byte transaction hash")
        }
        guard key.verify(signature: signature, message: SubmitterProof.submissionMessage(challenge: challenge.bytes, reading: bytes))
        else {
            throw ReadingRejection("submitter_signature_invalid", "the submission is not signed by the submitter's key")
        }
        guard let commitment = try await ledger.commitment(challenge) else {
            throw ReadingRejection("commitment_not_found", "no commitment on the ledger has the transaction hash the reading answers")
        }
        if commitment.consumedBy != nil {
            throw ReadingRejection("commitment_consumed", "the commitment was used by another reading")
        }
        let device = try await passports.device(decoded.reading.batteryID)
        let leaf = try await passports.leaf(of: device)
        _ = try gates.accept(
            bytes, batteryID: device.id, commitment: CommitmentFacts(challenge: challenge.bytes, batteryID: commitment.batteryID, slot: commitment.slot),
            at: try await ledger.currentSlot(), history: try Self.history(leaf))
        let receipt = try await ledger.submitReading(
            ReadingSubmission(
                commitment: challenge, challenge: challenge, batteryID: device.id, submitter: KeyHash(publicKey: key.rawRepresentation),
                operatorID: device.operatorID, reading: bytes))
        guard let record = try await ledger.reading(receipt.hash) else {
            throw LedgerError(code: "reading_not_found", message: "the ledger did not record the reading")
        }
        return record
    }

    /// Funds the operator's reward pool.
    public func fund(operator operatorID: String, amount: UInt64) async throws -> UInt64 {
        _ = try await passports.operators.member(operatorID)
        try await ledger.fund(operator: operatorID, amount: amount)
        return try await ledger.rewardPool(operator: operatorID)
    }

    /// Hands the reading right on: the current reader signs the transfer to `newReader`, bound to a
    /// challenge from `POST /challenges`.
    public func transferReadingRight(of batteryID: String, to newReader: KeyHash, currentReader key: PublicKey, challenge: String, signature: [UInt8])
        async throws
    {
        let device = try await passports.device(batteryID)
        let message = SubmitterProof.readerTransferMessage(batteryID: device.id, newReader: newReader.bytes, challenge: challenge)
        guard key.verify(signature: signature, message: message) else {
            throw ReadingRejection("reader_signature_invalid", "the transfer is not signed by the given key")
        }
        guard try await challenges.consume(challenge) else {
            throw ReadingRejection("challenge_invalid", "the challenge was not issued here, was used or has expired")
        }
        try await passports.change(
            device.id, by: .reader(KeyHash(publicKey: key.rawRepresentation)), .transferReadingRight(to: newReader), feed: .lifecycle,
            ["reader": .string(newReader.hex)])
    }

    // MARK: - Incorporation

    /// The batch of the operator named `nameOrDID`.
    public func incorporate(operatorNamed nameOrDID: String) async throws -> IncorporationSummary {
        try await incorporate(operator: try await passports.operators.member(nameOrDID: nameOrDID).record.id)
    }

    /// The operator's batch: finishes an interrupted batch first, then takes every pending reading
    /// (oldest first), re-runs the hard gates against the leaves as the batch changes them, applies
    /// the soft gates and the pool for rewards, writes the leaves to the trie in one atomic batch, and
    /// settles on the ledger (readings, rewards, new root) in one transaction.
    public func incorporate(operator operatorID: String) async throws -> IncorporationSummary {
        _ = try await passports.operators.member(operatorID)
        // Alone among this instance's writes to the operator, so the leaves it read stay current, and
        // under the operator's batch lease, so no other instance runs or finishes a batch meanwhile.
        let lease = Lease(
            name: "incorporation:\(operatorID)", holder: holder, duration: Self.batchLease, repository: leases, now: passports.now)
        return try await passports.writer.write(operator: operatorID) {
            guard try await lease.acquire() else {
                throw PassportError("incorporation_busy", "another instance is running the batch of \(operatorID); try again shortly")
            }
            do {
                let summary = try await incorporateAlone(operator: operatorID)
                try? await lease.release()
                return summary
            } catch {
                try? await lease.release()
                throw error
            }
        }
    }

    private func incorporateAlone(operator operatorID: String) async throws -> IncorporationSummary {
        var summary = IncorporationSummary(
            operatorID: operatorID, incorporated: 0, rejected: 0, rewarded: 0, paid: 0, root: nil, transaction: nil, recovered: false,
            outcomes: [])
        if let plan = try await journal.plan(of: operatorID) {
            try await finish(plan)
            summary.recovered = true
        }
        // A ledger whose settlements are bounded takes the oldest readings first; the rest wait for the next batch.
        let pending = Array(try await ledger.pendingReadings(operator: operatorID).prefix(ledger.maxSettlementsPerTransaction ?? .max))
        guard !pending.isEmpty else { return summary }
        let (plan, codes) = try await makePlan(operatorID: operatorID, pending: pending)
        summary.outcomes = zip(plan.settlements, codes).map { ($0.reading, $1) }
        try await journal.write(plan)
        let receipt = try await finish(plan)
        for settlement in plan.settlements {
            switch settlement.outcome {
            case .incorporated(let reward):
                summary.incorporated += 1
                if reward > 0 {
                    summary.rewarded += 1
                    summary.paid += reward
                }
            case .rejected:
                summary.rejected += 1
            }
        }
        summary.root = receipt.root
        summary.transaction = receipt.transaction
        return summary
    }

    /// Decides every pending reading against the leaves as they change within the batch.
    /// Returns the plan and, for each settlement, its outcome code.
    func makePlan(operatorID: String, pending: [ReadingRecord]) async throws -> (IncorporationPlan, [String]) {
        let rootBefore = try await passports.tries.latest(operator: operatorID).root
        var pool = try await ledger.rewardPool(operator: operatorID)
        var leaves: [String: BatteryLeaf] = [:]
        var keys: [[UInt8]: PublicKey] = [:]
        var settlements: [Settlement] = []
        var codes: [String] = []
        let lifecycle = Lifecycle(operatorID: operatorID)
        for record in pending {
            let submission = record.submission
            do {
                var leaf: BatteryLeaf
                if let working = leaves[submission.batteryID] {
                    leaf = working
                } else {
                    leaf = try await passports.leaf(of: try await passports.device(submission.batteryID))
                }
                // Each battery's key is validated once per batch (point validation dominates otherwise).
                let key = try keys[leaf.bmsPublicKey] ?? Self.bmsKey(leaf)
                keys[leaf.bmsPublicKey] = key
                let signed = try gates.accept(
                    submission.reading, batteryID: submission.batteryID,
                    commitment: CommitmentFacts(challenge: submission.commitment.bytes, batteryID: submission.batteryID, slot: record.commitmentSlot),
                    at: record.slot, history: Self.history(leaf, key: key))
                if leaf.status == .virgin {
                    leaf = try lifecycle.apply(.firstScan(reader: submission.submitter), to: leaf, by: .reader(submission.submitter))
                }
                var reward: UInt64 = 0
                switch gates.reward(submitter: submission.submitter.bytes, history: Self.history(leaf, key: key), at: record.commitmentSlot) {
                case .rewarded where pool >= rewards.perReading:
                    reward = rewards.perReading
                    pool -= reward
                    codes.append("rewarded")
                case .rewarded:
                    codes.append("reward_pool_empty")
                case .unrewarded(let code):
                    codes.append(code)
                }
                let state = signed.reading.state
                leaf = try lifecycle.apply(
                    .recordReading(
                        stateOfHealth: state.stateOfHealthPerMille, cycleCount: state.cycleCount, counter: signed.reading.counter,
                        slot: record.commitmentSlot, rewarded: reward > 0),
                    to: leaf, by: .operator(operatorID))
                leaves[submission.batteryID] = leaf
                settlements.append(Settlement(reading: record.id, outcome: .incorporated(reward: reward)))
            } catch let error as any CodedError {
                settlements.append(Settlement(reading: record.id, outcome: .rejected(reason: error.code)))
                codes.append(error.code)
            }
        }
        let mutations = leaves.values.sorted { $0.batteryID < $1.batteryID }.map { TrieMutation.update(key: $0.key, value: $0.cbor()) }
        return (IncorporationPlan(operatorID: operatorID, rootBefore: rootBefore, mutations: mutations, settlements: settlements), codes)
    }

    /// Carries a plan through: the leaves into the trie (unless an earlier run wrote them), then the
    /// settlement on the ledger (unless an earlier run settled), then the journal is removed and the
    /// anchor the settlement made gets its signed checkpoint.
    @discardableResult
    func finish(_ plan: IncorporationPlan) async throws -> AnchorRecord {
        let settled = try await isSettled(plan)
        if !settled {
            let current = try await passports.tries.latest(operator: plan.operatorID).root
            if current == plan.rootBefore, !plan.mutations.isEmpty {
                try await passports.tries.apply(plan.mutations, operator: plan.operatorID, basedOn: plan.rootBefore)
            } else if current != plan.rootBefore, try await !isWritten(plan) {
                // Nothing of the plan was written or settled: drop it, the next batch plans anew.
                try await journal.remove(plan.operatorID)
                throw PassportError(
                    "incorporation_conflict", "the trie of \(plan.operatorID) changed while the batch was planned; run it again")
            }
            try await passports.faults.reach(.incorporateAfterTrie)
            let root = try await passports.tries.latest(operator: plan.operatorID).root
            try await ledger.settle(operator: plan.operatorID, root: root, settlements: plan.settlements)
            try await passports.faults.reach(.incorporateAfterSettle)
        }
        try await journal.remove(plan.operatorID)
        guard let anchor = try await ledger.currentAnchor(operator: plan.operatorID) else {
            throw PassportError("anchor_failed", "the settlement left no anchor for \(plan.operatorID)")
        }
        try await passports.checkpoint(anchor)
        return anchor
    }

    private func isSettled(_ plan: IncorporationPlan) async throws -> Bool {
        guard let first = plan.settlements.first, let record = try await ledger.reading(first.reading) else { return true }
        return record.status != .pending
    }

    private func isWritten(_ plan: IncorporationPlan) async throws -> Bool {
        for mutation in plan.mutations {
            guard case .update(let key, let value) = mutation,
                try await passports.tries.get(key, operator: plan.operatorID) == value
            else { return false }
        }
        return true
    }

    // MARK: - Reading

    /// The leaf's BMS key, validated.
    static func bmsKey(_ leaf: BatteryLeaf) throws -> PublicKey {
        let algorithm: KeyAlgorithm = leaf.bmsPublicKey.count == 32 ? .ed25519 : .p256
        return try PublicKey(algorithm: algorithm, rawRepresentation: leaf.bmsPublicKey)
    }

    /// The gates' view of a leaf.
    static func history(_ leaf: BatteryLeaf) throws -> ReadingHistory {
        history(leaf, key: try bmsKey(leaf))
    }

    /// The gates' view of a leaf whose key is already validated.
    static func history(_ leaf: BatteryLeaf, key: PublicKey) -> ReadingHistory {
        ReadingHistory(
            bmsKey: key, lastCounter: leaf.lastCounter, lastStateOfHealth: leaf.lastSoH, lastCycleCount: leaf.lastCycleCount,
            reader: leaf.readerKeyHash?.bytes, lastRewardedSlot: leaf.lastRewardedSlot == 0 ? nil : leaf.lastRewardedSlot)
    }
}
