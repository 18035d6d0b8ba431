/// A network's slot clock after the Shelley hard fork: the POSIX time (milliseconds) of a reference
/// slot and the slot length, as the ledger converts a transaction's validity interval to the times
/// scripts see.
public struct SlotClock: Sendable, Hashable {
    public var zeroTime: UInt64
    public var zeroSlot: UInt64
    public var slotLength: UInt64

    public init(zeroTime: UInt64, zeroSlot: UInt64, slotLength: UInt64) {
        self.zeroTime = zeroTime
        self.zeroSlot = zeroSlot
        self.slotLength = slotLength
    }

    public static let mainnet = SlotClock(zeroTime: 1_596_059_091_000, zeroSlot: 4_492_800, slotLength: 1_000)
    public static let preprod = SlotClock(zeroTime: 1_655_769_600_000, zeroSlot: 86_400, slotLength: 1_000)
    public static let preview = SlotClock(zeroTime: 1_666_656_000_000, zeroSlot: 0, slotLength: 1_000)

    /// When `slot` begins (slots before the reference slot are clamped to it).
    public func time(ofSlot slot: UInt64) -> UInt64 { zeroTime + (max(slot, zeroSlot) - zeroSlot) * slotLength }

    /// The last slot that begins at or before `time` (POSIX milliseconds; earlier times clamp to the
    /// reference slot): an interval ending there ends by `time`.
    public func slot(atOrBefore time: UInt64) -> UInt64 { zeroSlot + (max(time, zeroTime) - zeroTime) / slotLength }

    /// The first slot that begins at or after `time`: an interval starting there starts after `time`.
    public func slot(atOrAfter time: UInt64) -> UInt64 { zeroSlot + (max(time, zeroTime) - zeroTime + slotLength - 1) / slotLength }
}
