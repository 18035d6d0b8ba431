import Ledger

/// Who asks for a change of a leaf.
public enum PassportActor: Sendable, Hashable {
    /// An economic operator, by its DID; it may change the leaves of its own trie.
    case `operator`(String)
    /// A user proven to hold the key with this hash (they signed the request).
    case reader(KeyHash)
    /// A party holding the recycler role, by its DID.
    case recycler(String)
}

/// A change of a battery's leaf. Which status each is allowed from and who may make it is the
/// architecture document's lifecycle table, in ``Lifecycle``.
public enum LeafTransition: Sendable, Hashable {
    /// Virgin → Active: the first user's NFC tap sets the reader.
    case firstScan(reader: KeyHash)
    /// Active: an accepted signed reading; `rewarded` also moves the last rewarded slot.
    case recordReading(stateOfHealth: Int, cycleCount: Int, counter: UInt64, slot: UInt64, rewarded: Bool)
    /// Active: the current reader hands the reading right on.
    case transferReadingRight(to: KeyHash)
    /// Active → Repurposed, by the operator (end of first life).
    case repurpose
    /// Active → Recycled, by the operator or a recycler; the reader is cleared, the leaf stays.
    case recycle
    /// A replaced BMS module's new key, registered by the operator.
    case replaceBMSKey([UInt8])
    case setWarranty(BatteryLeaf.Warranty)
    case voidWarranty
    case recall(id: String, sinceMilliseconds: Int64)
    case endRecall
    case updateFirmware(BatteryLeaf.Firmware)
    /// The current Ownership credential after a hand-off.
    case setOwnership(credentialID: String)

    /// The transitions by name, for the lifecycle table.
    public enum Kind: String, Sendable, CaseIterable {
        case firstScan, recordReading, transferReadingRight, repurpose, recycle, replaceBMSKey
        case setWarranty, voidWarranty, recall, endRecall, updateFirmware, setOwnership
    }

    public var kind: Kind {
        switch self {
        case .firstScan: .firstScan
        case .recordReading: .recordReading
        case .transferReadingRight: .transferReadingRight
        case .repurpose: .repurpose
        case .recycle: .recycle
        case .replaceBMSKey: .replaceBMSKey
        case .setWarranty: .setWarranty
        case .voidWarranty: .voidWarranty
        case .recall: .recall
        case .endRecall: .endRecall
        case .updateFirmware: .updateFirmware
        case .setOwnership: .setOwnership
        }
    }
}

/// The lifecycle rules of one operator's leaves: the statuses each transition is allowed from
/// (`transition_not_allowed` otherwise) and the actors allowed to make it (`actor_not_authorized`
/// otherwise). Repurposed and Recycled are final: the leaf stays as the historical record.
public struct Lifecycle: Sendable {
    /// The operator whose trie holds the leaves.
    public let operatorID: String
    /// The DIDs holding the recycler role.
    public let recyclers: Set<String>

    public init(operatorID: String, recyclers: Set<String> = []) {
        self.operatorID = operatorID
        self.recyclers = recyclers
    }

    /// The statuses each transition is allowed from.
    public static func allowedStatuses(_ kind: LeafTransition.Kind) -> Set<BatteryLeaf.Status> {
        switch kind {
        case .firstScan: [.virgin]
        case .recordReading, .transferReadingRight: [.active]
        // A battery that never reached a user (stock, returns) can end its first life too.
        case .repurpose, .recycle: [.virgin, .active]
        case .replaceBMSKey, .setWarranty, .voidWarranty, .recall, .endRecall, .updateFirmware, .setOwnership:
            [.virgin, .active]
        }
    }

    /// The leaf after `transition` by `actor`, or the reason it is refused.
    public func apply(_ transition: LeafTransition, to leaf: BatteryLeaf, by actor: PassportActor) throws(PassportError) -> BatteryLeaf {
        guard Self.allowedStatuses(transition.kind).contains(leaf.status) else {
            throw PassportError(
                "transition_not_allowed", "\(transition.kind.rawValue) is not allowed for a battery in status \(leaf.status)")
        }
        let isOperator = actor == .operator(operatorID)
        let isReader = leaf.readerKeyHash.map { actor == .reader($0) } ?? false
        var next = leaf
        switch transition {
        case .firstScan(let reader):
            try authorize(actor == .reader(reader), transition, "the user whose key is set as reader")
            next.status = .active
            next.readerKeyHash = reader
        case .recordReading(let stateOfHealth, let cycleCount, let counter, let slot, let rewarded):
            try authorize(isReader || isOperator, transition, "the current reader or the operator")
            guard BatteryLeaf.Limits.stateOfHealth.contains(stateOfHealth), stateOfHealth <= leaf.lastSoH,
                BatteryLeaf.Limits.cycleCount.contains(cycleCount), cycleCount >= leaf.lastCycleCount,
                slot >= leaf.lastReadingSlot, counter > leaf.lastCounter
            else {
                throw PassportError(
                    "reading_implausible",
                    "a reading may not raise SoH (\(leaf.lastSoH) → \(stateOfHealth)), lower cycles (\(leaf.lastCycleCount) → \(cycleCount)), go back in slots (\(leaf.lastReadingSlot) → \(slot)) or repeat the counter (\(leaf.lastCounter) → \(counter))"
                )
            }
            next.lastSoH = stateOfHealth
            next.lastCycleCount = cycleCount
            next.lastCounter = counter
            next.lastReadingSlot = slot
            // 0 means never rewarded, so a reward in slot 0 (a new ledger's first second) counts as slot 1.
            if rewarded { next.lastRewardedSlot = max(slot, 1) }
        case .transferReadingRight(let reader):
            try authorize(isReader, transition, "the current reader")
            next.readerKeyHash = reader
        case .repurpose:
            try authorize(isOperator, transition, "the operator")
            next.status = .repurposed
        case .recycle:
            let isRecycler = if case .recycler(let id) = actor { recyclers.contains(id) } else { false }
            try authorize(isOperator || isRecycler, transition, "the operator or a recycler")
            next.status = .recycled
            next.readerKeyHash = nil
        case .replaceBMSKey(let key):
            try authorize(isOperator, transition, "the operator")
            guard key != leaf.bmsPublicKey else {
                throw PassportError("bms_key_unchanged", "the new BMS key is the registered one")
            }
            next.bmsPublicKey = key
        case .setWarranty(let warranty):
            try authorize(isOperator, transition, "the operator")
            next.warranty = warranty
        case .voidWarranty:
            try authorize(isOperator, transition, "the operator")
            guard var warranty = leaf.warranty else { throw PassportError("no_warranty", "the battery has no warranty to void") }
            warranty.voided = true
            next.warranty = warranty
        case .recall(let id, let since):
            try authorize(isOperator, transition, "the operator")
            next.recall = .recalled(id: id, sinceMilliseconds: since)
        case .endRecall:
            try authorize(isOperator, transition, "the operator")
            next.recall = .none
        case .updateFirmware(let firmware):
            try authorize(isOperator, transition, "the operator")
            next.firmware = firmware
        case .setOwnership(let credentialID):
            try authorize(isOperator, transition, "the operator")
            next.credentials.ownership = credentialID
        }
        try next.validate()
        return next
    }

    private func authorize(_ allowed: Bool, _ transition: LeafTransition, _ who: String) throws(PassportError) {
        guard allowed else {
            throw PassportError("actor_not_authorized", "only \(who) may \(transition.kind.rawValue)")
        }
    }
}
