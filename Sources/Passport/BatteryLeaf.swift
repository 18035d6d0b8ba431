import Encoding
import Foundation
import Ledger
import Trie

/// The passport state of one battery, the value of its leaf in its operator's trie (the
/// architecture document's `BatteryLeaf`). Its bytes are CBOR Plutus data, as a Cardano datum; see
/// `BatteryLeaf+CBOR.swift`.
public struct BatteryLeaf: Sendable, Hashable {
    /// Where a battery is in its life.
    public enum Status: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Manufactured, no reader yet.
        case virgin = 0
        /// In use: a reader holds the reading right.
        case active = 1
        /// End of first life; a new operator carries its second-life passport.
        case repurposed = 2
        /// Recycled; the leaf stays as the historical record.
        case recycled = 3

        public var description: String {
            switch self {
            case .virgin: "Virgin"
            case .active: "Active"
            case .repurposed: "Repurposed"
            case .recycled: "Recycled"
            }
        }
    }

    /// The ids of the battery's credentials.
    public struct CredentialIDs: Sendable, Hashable {
        public var device: String
        public var bom: String
        /// The current owner's Ownership credential, if any was issued.
        public var ownership: String?

        public init(device: String, bom: String, ownership: String? = nil) {
            self.device = device
            self.bom = bom
            self.ownership = ownership
        }
    }

    /// The warranty, in POSIX milliseconds as Cardano's `POSIXTime`.
    public struct Warranty: Sendable, Hashable {
        public var startMilliseconds: Int64
        public var endMilliseconds: Int64
        public var voided: Bool

        public init(startMilliseconds: Int64, endMilliseconds: Int64, voided: Bool = false) {
            self.startMilliseconds = startMilliseconds
            self.endMilliseconds = endMilliseconds
            self.voided = voided
        }

        /// A warranty from `start` to `end`, to the millisecond.
        public init(start: Date, end: Date, voided: Bool = false) {
            self.init(
                startMilliseconds: BatteryLeaf.milliseconds(start), endMilliseconds: BatteryLeaf.milliseconds(end),
                voided: voided)
        }

        /// Whether the warranty covers `date`: not voided and within start…end.
        public func covers(_ date: Date) -> Bool {
            let at = BatteryLeaf.milliseconds(date)
            return !voided && at >= startMilliseconds && at <= endMilliseconds
        }
    }

    /// Whether the battery is under a recall.
    public enum Recall: Sendable, Hashable {
        case none
        /// Under the recall `id` since the POSIX millisecond `since`.
        case recalled(id: String, sinceMilliseconds: Int64)
    }

    /// The installed firmware and any advisory the operator published for it.
    public struct Firmware: Sendable, Hashable {
        public var version: String
        /// The firmware image's SHA-256, 32 bytes.
        public var hash: [UInt8]
        public var advisory: String?

        public init(version: String, hash: [UInt8], advisory: String? = nil) {
            self.version = version
            self.hash = hash
            self.advisory = advisory
        }
    }

    /// For a repurposed battery's new leaf: the original leaf, proven in the original operator's
    /// trie against the root that operator anchored.
    public struct Origin: Sendable, Hashable {
        public var operatorID: String
        public var batteryID: String
        public var anchoredRoot: Hash32
        /// The membership proof of the original leaf (in its Repurposed state) against `anchoredRoot`.
        public var proof: Proof

        public init(operatorID: String, batteryID: String, anchoredRoot: Hash32, proof: Proof) {
            self.operatorID = operatorID
            self.batteryID = batteryID
            self.anchoredRoot = anchoredRoot
            self.proof = proof
        }
    }

    public var batteryID: String
    public var status: Status
    /// The key hash of the holder of the reading right (reward-eligible), if any.
    public var readerKeyHash: KeyHash?
    /// The BMS public key registered at manufacturing (32 bytes Ed25519 or 33 bytes P-256).
    public var bmsPublicKey: [UInt8]
    /// Last known state of health, per mille.
    public var lastSoH: Int
    public var lastCycleCount: Int
    /// The secure element's monotonic counter in the last accepted reading (0 before the first).
    public var lastCounter: UInt64
    /// The slot of the last accepted reading.
    public var lastReadingSlot: UInt64
    /// The slot of the last rewarded reading; 0 while none was rewarded.
    public var lastRewardedSlot: UInt64
    public var credentials: CredentialIDs
    public var warranty: Warranty?
    public var recall: Recall
    public var firmware: Firmware
    public var origin: Origin?

    public init(
        batteryID: String, status: Status = .virgin, readerKeyHash: KeyHash? = nil, bmsPublicKey: [UInt8],
        lastSoH: Int = 1_000, lastCycleCount: Int = 0, lastCounter: UInt64 = 0, lastReadingSlot: UInt64 = 0,
        lastRewardedSlot: UInt64 = 0,
        credentials: CredentialIDs, warranty: Warranty? = nil, recall: Recall = .none, firmware: Firmware,
        origin: Origin? = nil
    ) {
        self.batteryID = batteryID
        self.status = status
        self.readerKeyHash = readerKeyHash
        self.bmsPublicKey = bmsPublicKey
        self.lastSoH = lastSoH
        self.lastCycleCount = lastCycleCount
        self.lastCounter = lastCounter
        self.lastReadingSlot = lastReadingSlot
        self.lastRewardedSlot = lastRewardedSlot
        self.credentials = credentials
        self.warranty = warranty
        self.recall = recall
        self.firmware = firmware
        self.origin = origin
    }

    /// The trie key of a battery: its id's UTF-8 bytes.
    public var key: [UInt8] { Array(batteryID.utf8) }

    /// Whether the battery is under a recall.
    public var isRecalled: Bool { recall != .none }

    /// POSIX milliseconds of `date`, rounded down.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
    }

    /// Field limits, checked when encoding input is accepted and when bytes are decoded.
    enum Limits {
        static let textBytes = 1...512
        static let stateOfHealth = 0...1_200
        static let cycleCount = 0...1_000_000_000
    }

    /// Checks the fields against their limits; `leaf_invalid` names the first that is out of range.
    public func validate() throws(PassportError) {
        func text(_ value: String, _ name: String) throws(PassportError) {
            guard Limits.textBytes.contains(value.utf8.count) else {
                throw PassportError("leaf_invalid", "\(name) must have 1 to 512 UTF-8 bytes")
            }
        }
        try text(batteryID, "batteryId")
        try text(credentials.device, "the device credential id")
        try text(credentials.bom, "the BOM credential id")
        if let ownership = credentials.ownership { try text(ownership, "the ownership credential id") }
        try text(firmware.version, "the firmware version")
        if let advisory = firmware.advisory { try text(advisory, "the firmware advisory") }
        if case .recalled(let id, let since) = recall {
            try text(id, "the recall id")
            guard since >= 0 else { throw PassportError("leaf_invalid", "the recall time must not be before 1970") }
        }
        if let origin {
            try text(origin.operatorID, "the origin operator")
            try text(origin.batteryID, "the origin battery id")
        }
        guard bmsPublicKey.count == 32 || bmsPublicKey.count == 33 else {
            throw PassportError("leaf_invalid", "bmsPublicKey must have 32 (Ed25519) or 33 (P-256) bytes, not \(bmsPublicKey.count)")
        }
        guard firmware.hash.count == 32 else {
            throw PassportError("leaf_invalid", "the firmware hash must have 32 bytes, not \(firmware.hash.count)")
        }
        guard Limits.stateOfHealth.contains(lastSoH) else {
            throw PassportError("leaf_invalid", "lastSoH must be 0…1200 per mille, not \(lastSoH)")
        }
        guard Limits.cycleCount.contains(lastCycleCount) else {
            throw PassportError("leaf_invalid", "lastCycleCount must be 0…1,000,000,000, not \(lastCycleCount)")
        }
        guard lastReadingSlot <= UInt64(Int64.max), lastRewardedSlot <= UInt64(Int64.max), lastCounter <= UInt64(Int64.max) else {
            throw PassportError("leaf_invalid", "slots and the counter must fit a signed 64-bit integer")
        }
        if let warranty, warranty.endMilliseconds < warranty.startMilliseconds {
            throw PassportError("leaf_invalid", "the warranty ends before it starts")
        }
    }
}
