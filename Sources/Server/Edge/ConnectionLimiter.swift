import NIOCore
import Synchronization

/// The open connections of one HTTP edge, against its cap (`ConnectionLimits.maximumConnections`).
///
/// Each connection reports when it opens, when it starts a request and when it waits for the next
/// one. A connection that would go over the cap takes the place of the one that has waited longest
/// for a request head (a stalled or idle client, which is closed); when every open connection is
/// inside a request, the new connection is refused.
public final class ConnectionLimiter: Sendable {
    /// The cap.
    public let maximum: Int

    private struct Entry {
        let channel: any Channel
        /// When the connection started waiting for a request head (a sequence number); nil inside a request.
        var waitingSince: UInt64?
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())

    public init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// How many connections are open.
    public var openConnections: Int { state.withLock { $0.entries.count } }

    /// How many open connections are waiting for a request head.
    public var waitingConnections: Int { state.withLock { $0.entries.values.count(where: { $0.waitingSince != nil }) } }

    /// Registers a new connection, waiting for its first request head. Returns false when it is refused;
    /// when it takes another connection's place, that one is closed.
    func open(_ id: ObjectIdentifier, channel: any Channel) -> Bool {
        let (admitted, evicted) = state.withLock { state -> (Bool, (any Channel)?) in
            var evicted: (any Channel)?
            if state.entries.count >= maximum {
                let oldest = state.entries.compactMap { key, entry in entry.waitingSince.map { (key, $0) } }.min { $0.1 < $1.1 }
                guard let (victim, _) = oldest else { return (false, nil) }
                evicted = state.entries.removeValue(forKey: victim)?.channel
            }
            state.tick += 1
            state.entries[id] = Entry(channel: channel, waitingSince: state.tick)
            return (true, evicted)
        }
        evicted?.close(promise: nil)
        return admitted
    }

    /// The connection is inside a request (it may not be closed to make room).
    func busy(_ id: ObjectIdentifier) {
        state.withLock { $0.entries[id]?.waitingSince = nil }
    }

    /// The connection waits for its next request head.
    func waiting(_ id: ObjectIdentifier) {
        state.withLock { state in
            state.tick += 1
            state.entries[id]?.waitingSince = state.tick
        }
    }

    /// The connection closed.
    func closed(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }
}
