/// A network's slot clock after the Shelley hard fork: the POSIX time (milliseconds) of a reference
/// slot and the slot length, as the ledger converts a transaction's validity interval to the times
/// scripts see.
public struct SlotClock: Sendable, Hashable {
    public let zeroTime: UInt64
    public let zeroSlot: UInt64
    public let slotLength: UInt64

    /// A clock; a slot length of 0 is `cardano_tx_invalid`.
    public init(zeroTime: UInt64, zeroSlot: UInt64, slotLength: UInt64) throws(CardanoError) {
        guard slotLength > 0 else { throw CardanoError(.invalidTransaction, "a slot lasts at least a millisecond") }
        self.init(checked: zeroTime, zeroSlot, slotLength)
    }

    private init(checked zeroTime: UInt64, _ zeroSlot: UInt64, _ slotLength: UInt64) {
        self.zeroTime = zeroTime
        self.zeroSlot = zeroSlot
        self.slotLength = slotLength
    }

    public static let mainnet = SlotClock(checked: 1_596_059_091_000, 4_492_800, 1_000)
    public static let preprod = SlotClock(checked: 1_655_769_600_000, 86_400, 1_000)
    public static let preview = SlotClock(checked: 1_666_656_000_000, 0, 1_000)

    /// When `slot` begins (slots before the reference slot are clamped to it).
    public func time(ofSlot slot: UInt64) -> UInt64 {
        let (elapsed, overflow) = (max(slot, zeroSlot) - zeroSlot).multipliedReportingOverflow(by: slotLength)
        return overflow ? .max : zeroTime.addingSaturated(elapsed)
    }

    /// The last slot that begins at or before `time` (POSIX milliseconds; earlier times clamp to the
    /// reference slot): an interval ending there ends by `time`.
    public func slot(atOrBefore time: UInt64) -> UInt64 { zeroSlot + (max(time, zeroTime) - zeroTime) / slotLength }

    /// The first slot that begins at or after `time`: an interval starting there starts after `time`.
    public func slot(atOrAfter time: UInt64) -> UInt64 {
        let elapsed = max(time, zeroTime) - zeroTime
        return zeroSlot + elapsed / slotLength + (elapsed % slotLength == 0 ? 0 : 1)
    }
}

extension UInt64 {
    /// `self + other`, or the largest value when the sum does not fit.
    func addingSaturated(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
