import COSE
import Encoding
import Identity

/// What the gates know of a battery before a reading: its passport leaf's reading state.
public struct ReadingHistory: Sendable, Hashable {
    /// The battery's registered BMS key.
    public var bmsKey: PublicKey
    /// The counter of the last accepted reading (0 before the first).
    public var lastCounter: UInt64
    /// Last known state of health, per mille.
    public var lastStateOfHealth: Int
    public var lastCycleCount: Int
    /// The key hash of the holder of the reading right, nil before the first scan.
    public var reader: [UInt8]?
    /// The slot of the last rewarded reading; nil when none was rewarded yet.
    public var lastRewardedSlot: UInt64?

    public init(
        bmsKey: PublicKey, lastCounter: UInt64, lastStateOfHealth: Int, lastCycleCount: Int, reader: [UInt8]?,
        lastRewardedSlot: UInt64?
    ) {
        self.bmsKey = bmsKey
        self.lastCounter = lastCounter
        self.lastStateOfHealth = lastStateOfHealth
        self.lastCycleCount = lastCycleCount
        self.reader = reader
        self.lastRewardedSlot = lastRewardedSlot
    }
}

/// The commitment a reading answers, as the ledger recorded it.
public struct CommitmentFacts: Sendable, Hashable {
    /// The commitment transaction hash: the challenge the BMS must have signed.
    public var challenge: [UInt8]
    public var batteryID: String
    /// The slot the commitment was recorded in: the reading's trusted time.
    public var slot: UInt64

    public init(challenge: [UInt8], batteryID: String, slot: UInt64) {
        self.challenge = challenge
        self.batteryID = batteryID
        self.slot = slot
    }
}

/// A reading refused by a hard gate: nothing of it is incorporated. Codes: `signature_invalid`, the
/// payload's own codes (`reading_malformed`, `reading_out_of_range`, …), `battery_mismatch`,
/// `challenge_mismatch`, `stale_challenge`, `counter_not_increasing`, `soh_increased`,
/// `cycles_decreased`.
public struct ReadingRejection: CodedError, Hashable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Whether an accepted reading earns its submitter the reward: the soft gates.
public enum RewardDecision: Sendable, Hashable {
    case rewarded
    /// Incorporated without reward, for the reason: `reader_not_authorized`, `cooldown_active`.
    case unrewarded(code: String)
}

/// The acceptance and reward gates of the signed-readings protocol (the ReportingValidator's checks
/// that need the reading itself). Hard gates decide acceptance: a failure rejects the reading and
/// nothing is incorporated. Soft gates decide only the reward.
public struct ReadingGates: Sendable {
    /// How many slots a commitment stays fresh (commitment slot + maxAge ≥ current slot).
    public var maxAgeSlots: UInt64
    /// The slots between rewarded readings of one battery.
    public var cooldownSlots: UInt64

    public init(maxAgeSlots: UInt64, cooldownSlots: UInt64) {
        self.maxAgeSlots = maxAgeSlots
        self.cooldownSlots = cooldownSlots
    }

    /// The hard gates, in order: signature against the battery's BMS key (and the payload's format
    /// and physical ranges), the battery and challenge of the consumed commitment, freshness at
    /// `slot`, the counter above the last accepted one, and plausibility against the history.
    public func accept(
        _ bytes: [UInt8], batteryID: String, commitment: CommitmentFacts, at slot: UInt64, history: ReadingHistory
    ) throws(ReadingRejection) -> SignedReading {
        let signed: SignedReading
        do {
            signed = try SignedReading.verify(bytes, key: history.bmsKey)
        } catch let error as COSEError where error.kind == .signatureInvalid || error.kind == .algorithmMismatch {
            throw ReadingRejection("signature_invalid", "the reading is not signed by the battery's registered BMS key")
        } catch let error as any CodedError {
            throw ReadingRejection(error.code, error.message)
        } catch {
            throw ReadingRejection("reading_malformed", "\(error)")
        }
        let reading = signed.reading
        guard reading.batteryID == batteryID, commitment.batteryID == batteryID else {
            throw ReadingRejection("battery_mismatch", "the reading is of \(reading.batteryID), the commitment of \(commitment.batteryID), not \(batteryID)")
        }
        guard reading.challenge == commitment.challenge else {
            throw ReadingRejection("challenge_mismatch", "the reading answers another challenge than the consumed commitment")
        }
        guard commitment.slot &+ maxAgeSlots >= slot, commitment.slot <= slot else {
            throw ReadingRejection(
                "stale_challenge", "the commitment of slot \(commitment.slot) is older than \(maxAgeSlots) slots at slot \(slot)")
        }
        guard reading.counter > history.lastCounter else {
            throw ReadingRejection(
                "counter_not_increasing", "the secure element's counter \(reading.counter) is not above the last accepted \(history.lastCounter)")
        }
        guard reading.state.stateOfHealthPerMille <= history.lastStateOfHealth else {
            throw ReadingRejection(
                "soh_increased", "state of health rose from \(history.lastStateOfHealth) ‰ to \(reading.state.stateOfHealthPerMille) ‰")
        }
        guard reading.state.cycleCount >= history.lastCycleCount else {
            throw ReadingRejection("cycles_decreased", "the cycle count fell from \(history.lastCycleCount) to \(reading.state.cycleCount)")
        }
        return signed
    }

    /// The soft gates: the submitter holds the reading right, and the cooldown since the last
    /// rewarded reading has passed at `slot`.
    public func reward(submitter: [UInt8], history: ReadingHistory, at slot: UInt64) -> RewardDecision {
        guard history.reader == submitter else { return .unrewarded(code: "reader_not_authorized") }
        if cooldownSlots > 0, let last = history.lastRewardedSlot, slot < last &+ cooldownSlots {
            return .unrewarded(code: "cooldown_active")
        }
        return .rewarded
    }
}
