import Foundation

/// Turns wall-clock time into slots: whole seconds since the genesis time, like Cardano's
/// one-second slots. The time comes from an injected source, so tests control it.
public struct SlotClock: Sendable {
    /// The current time.
    public let now: @Sendable () -> Date

    /// A clock reading the time from `now` (the system clock by default).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// The slot the current time falls in, counted from `genesis` (whole seconds).
    func slot(since genesis: Int64) throws(LedgerError) -> UInt64 {
        let seconds = now().timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite, seconds >= Double(genesis), seconds < 9.0e18 else {
            throw LedgerError(
                code: "clock_before_genesis", message: "the clock reads \(seconds) s, before the genesis time \(genesis) s")
        }
        return UInt64(Int64(seconds) - genesis)
    }
}
