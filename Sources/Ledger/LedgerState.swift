import Trie

/// The ledger's indexes, rebuilt by replaying the log, and the rules every transaction must pass.
///
/// `apply` checks a transaction completely before changing anything, so a failing transaction
/// leaves the state as it was; `revert` undoes an applied one (for batches that fail part-way).
struct LedgerState: Sendable, Equatable {
    var tip = LedgerTip(count: 0, hash: .null, slot: 0)
    /// Each operator's anchors, oldest first.
    var anchors: [String: [AnchorRecord]] = [:]
    var commitments: [Hash32: CommitmentRecord] = [:]
    var readings: [Hash32: ReadingRecord] = [:]
    /// Each battery's readings, in submission order.
    var readingsByBattery: [String: [Hash32]] = [:]
    /// Each operator's pending readings, by id, with their sequence numbers.
    var pending: [String: [Hash32: Int]] = [:]
    /// Reward pools by operator; absent means zero.
    var pools: [String: UInt64] = [:]
    /// Paid rewards by reader key hash; absent means zero.
    var balances: [KeyHash: UInt64] = [:]

    // MARK: - Rules

    /// Checks `transaction` (recorded as `hash` at `slot`) against every rule, then applies it.
    mutating func apply(
        _ transaction: LedgerTransaction, hash: Hash32, slot: UInt64, parameters: LedgerParameters
    ) throws(LedgerError) {
        switch transaction {
        case .anchor(let operatorID, let root):
            try Self.checkIdentifier(operatorID, "operator", parameters)
            appendAnchor(AnchorRecord(operatorID: operatorID, root: root, transaction: hash, slot: slot))

        case .commit(let batteryID, let userKeyHash, let nonce):
            try Self.checkIdentifier(batteryID, "battery", parameters)
            guard !nonce.isEmpty, nonce.count <= parameters.maxNonceBytes else {
                throw LedgerError(code: "invalid_nonce", message: "the nonce has \(nonce.count) bytes, allowed 1…\(parameters.maxNonceBytes)")
            }
            commitments[hash] = CommitmentRecord(
                challenge: hash, batteryID: batteryID, userKeyHash: userKeyHash, nonce: nonce, slot: slot, consumedBy: nil)

        case .submitReading(let submission):
            let commitment = try checkSubmission(submission, slot: slot, parameters: parameters)
            commitments[submission.commitment]?.consumedBy = hash
            readings[hash] = ReadingRecord(
                id: hash, submission: submission, slot: slot, commitmentSlot: commitment.slot, status: .pending, sequence: tip.count)
            pending[submission.operatorID, default: [:]][hash] = tip.count
            readingsByBattery[submission.batteryID, default: []].append(hash)

        case .fund(let operatorID, let amount):
            try Self.checkIdentifier(operatorID, "operator", parameters)
            guard amount > 0 else { throw LedgerError(code: "invalid_amount", message: "a fund transaction must add more than 0") }
            let (total, overflow) = pools[operatorID, default: 0].addingReportingOverflow(amount)
            guard !overflow else { throw Self.overflow("the reward pool of \(operatorID)") }
            pools[operatorID] = total

        case .settle(let operatorID, let root, let settlements):
            let payments = try checkSettlement(operatorID: operatorID, settlements: settlements, parameters: parameters)
            var paid: UInt64 = 0
            for settlement in settlements {
                readings[settlement.reading]?.status = switch settlement.outcome {
                case .incorporated(let reward): .incorporated(settlement: hash, reward: reward)
                case .rejected(let reason): .rejected(settlement: hash, reason: reason)
                }
                pending[operatorID]?[settlement.reading] = nil
                if case .incorporated(let reward) = settlement.outcome { paid += reward }
            }
            if pending[operatorID]?.isEmpty == true { pending[operatorID] = nil }
            for (reader, amount) in payments { balances[reader, default: 0] += amount }
            setPool(operatorID, pools[operatorID, default: 0] - paid)
            appendAnchor(AnchorRecord(operatorID: operatorID, root: root, transaction: hash, slot: slot))
        }
    }

    /// The ReportingValidator's ledger rules; returns the commitment consumed.
    private func checkSubmission(
        _ submission: ReadingSubmission, slot: UInt64, parameters: LedgerParameters
    ) throws(LedgerError) -> CommitmentRecord {
        try Self.checkIdentifier(submission.batteryID, "battery", parameters)
        try Self.checkIdentifier(submission.operatorID, "operator", parameters)
        guard !submission.reading.isEmpty, submission.reading.count <= parameters.maxReadingBytes else {
            throw LedgerError(
                code: "invalid_reading",
                message: "the reading has \(submission.reading.count) bytes, allowed 1…\(parameters.maxReadingBytes)")
        }
        guard let commitment = commitments[submission.commitment] else {
            throw LedgerError(
                code: "commitment_not_found", message: "no commitment transaction \(submission.commitment.hex) is on the ledger")
        }
        if let consumer = commitment.consumedBy {
            throw LedgerError(
                code: "commitment_consumed",
                message: "commitment \(submission.commitment.hex) was already consumed by reading \(consumer.hex)")
        }
        guard commitment.batteryID == submission.batteryID else {
            throw LedgerError(
                code: "commitment_battery_mismatch",
                message: "the commitment is for battery \(commitment.batteryID), the reading for \(submission.batteryID)")
        }
        guard commitment.userKeyHash == submission.submitter else {
            throw LedgerError(
                code: "commitment_owner_mismatch",
                message: "the commitment belongs to key hash \(commitment.userKeyHash.hex), the submitter is \(submission.submitter.hex)")
        }
        let expiry = commitment.slot.addingReportingOverflow(parameters.maxAgeSlots)
        guard expiry.overflow || expiry.partialValue >= slot else {
            throw LedgerError(
                code: "stale_challenge",
                message: "the commitment is from slot \(commitment.slot); with a maximum age of \(parameters.maxAgeSlots) slots it expired before slot \(slot)")
        }
        guard submission.challenge == submission.commitment else {
            throw LedgerError(
                code: "challenge_mismatch",
                message: "the reading signs challenge \(submission.challenge.hex), not the consumed commitment \(submission.commitment.hex)")
        }
        return commitment
    }

    /// The operator batch's rules; returns the rewards to pay per reader.
    private func checkSettlement(
        operatorID: String, settlements: [Settlement], parameters: LedgerParameters
    ) throws(LedgerError) -> [KeyHash: UInt64] {
        try Self.checkIdentifier(operatorID, "operator", parameters)
        var seen = Set<Hash32>()
        var payments: [KeyHash: UInt64] = [:]
        var total: UInt64 = 0
        for settlement in settlements {
            guard let reading = readings[settlement.reading] else {
                throw LedgerError(code: "reading_not_found", message: "no reading \(settlement.reading.hex) was submitted")
            }
            guard reading.submission.operatorID == operatorID else {
                throw LedgerError(
                    code: "reading_operator_mismatch",
                    message: "reading \(settlement.reading.hex) waits for operator \(reading.submission.operatorID), not \(operatorID)")
            }
            guard reading.status == .pending, seen.insert(settlement.reading).inserted else {
                throw LedgerError(
                    code: "reading_already_settled",
                    message: "reading \(settlement.reading.hex) is settled already or listed twice in this batch")
            }
            switch settlement.outcome {
            case .incorporated(let reward):
                let (sum, overflow) = total.addingReportingOverflow(reward)
                guard !overflow else { throw Self.overflow("the batch's rewards") }
                total = sum
                let reader = reading.submission.submitter
                let (due, dueOverflow) = payments[reader, default: 0].addingReportingOverflow(reward)
                let balanceOverflow = balances[reader, default: 0].addingReportingOverflow(due).overflow
                guard !dueOverflow, !balanceOverflow else { throw Self.overflow("the balance of \(reader.hex)") }
                payments[reader] = due
            case .rejected(let reason):
                guard !reason.isEmpty, reason.utf8.count <= parameters.maxIdentifierBytes else {
                    throw LedgerError(code: "invalid_reason", message: "a rejection needs a reason code of 1…\(parameters.maxIdentifierBytes) bytes")
                }
            }
        }
        let pool = pools[operatorID, default: 0]
        guard total <= pool else {
            throw LedgerError(
                code: "insufficient_pool", message: "the batch pays \(total) but the reward pool of \(operatorID) holds \(pool)")
        }
        return payments.filter { $0.value > 0 }
    }

    private static func checkIdentifier(_ value: String, _ what: String, _ parameters: LedgerParameters) throws(LedgerError) {
        guard !value.isEmpty, value.utf8.count <= parameters.maxIdentifierBytes else {
            throw LedgerError(
                code: "invalid_\(what)_id",
                message: "the \(what) id has \(value.utf8.count) bytes, allowed 1…\(parameters.maxIdentifierBytes)")
        }
    }

    private static func overflow(_ what: String) -> LedgerError {
        LedgerError(code: "amount_overflow", message: "\(what) would exceed 2^64 − 1")
    }

    // MARK: - Undo

    /// Undoes `transaction`, which must be the last one applied.
    mutating func revert(_ transaction: LedgerTransaction, hash: Hash32) {
        switch transaction {
        case .anchor(let operatorID, _):
            removeLastAnchor(operatorID)
        case .commit:
            commitments[hash] = nil
        case .submitReading(let submission):
            commitments[submission.commitment]?.consumedBy = nil
            readings[hash] = nil
            readingsByBattery[submission.batteryID]?.removeLast()
            if readingsByBattery[submission.batteryID]?.isEmpty == true { readingsByBattery[submission.batteryID] = nil }
            pending[submission.operatorID]?[hash] = nil
            if pending[submission.operatorID]?.isEmpty == true { pending[submission.operatorID] = nil }
        case .fund(let operatorID, let amount):
            setPool(operatorID, pools[operatorID, default: 0] - amount)
        case .settle(let operatorID, _, let settlements):
            var paid: UInt64 = 0
            for settlement in settlements {
                guard let reading = readings[settlement.reading] else { continue }
                readings[settlement.reading]?.status = .pending
                pending[operatorID, default: [:]][settlement.reading] = reading.sequence
                if case .incorporated(let reward) = settlement.outcome, reward > 0 {
                    paid += reward
                    let balance = balances[reading.submission.submitter, default: 0] - reward
                    balances[reading.submission.submitter] = balance == 0 ? nil : balance
                }
            }
            setPool(operatorID, pools[operatorID, default: 0] + paid)
            removeLastAnchor(operatorID)
        }
    }

    // MARK: - Helpers

    private mutating func appendAnchor(_ anchor: AnchorRecord) {
        anchors[anchor.operatorID, default: []].append(anchor)
    }

    private mutating func removeLastAnchor(_ operatorID: String) {
        anchors[operatorID]?.removeLast()
        if anchors[operatorID]?.isEmpty == true { anchors[operatorID] = nil }
    }

    private mutating func setPool(_ operatorID: String, _ amount: UInt64) {
        pools[operatorID] = amount == 0 ? nil : amount
    }
}
