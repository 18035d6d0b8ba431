import Synchronization
import Trie

/// Remembers each battery's bundle as of the operator's trie root it was read at. Every write that
/// changes what a bundle carries (leaf, ownership chain, BMS keys) moves that root in the same
/// transaction, so while the root stays the same the remembered parts are current; what changes
/// without moving it (status lists, the checkpoint, the DID document, an origin operator's leaf) is
/// checked on every use: in one round trip for the root, the checkpoint's number and the lists'
/// revisions, then read only when it moved. Bounded: when full, it starts over.
final class BundleCache: Sendable {
    struct Entry: Sendable {
        let root: Hash32
        let bundle: PassportBundle
        /// The status lists the bundle carries, device list first.
        let statusListIDs: [String]
    }

    private let capacity: Int
    private let entries = Mutex([String: Entry]())
    /// The battery each serial named when it was last looked up and named one.
    private let serials = Mutex([String: String]())
    /// Each operator's newest checkpoint seen, so one whose sequence did not move is not read again.
    private let checkpoints = Mutex([String: AnchorCheckpoint]())

    init(capacity: Int = 20_000) {
        self.capacity = max(1, capacity)
    }

    /// The battery's remembered bundle and the root it was read at.
    func entry(_ batteryID: String) -> Entry? {
        entries.withLock { $0[batteryID] }
    }

    /// The battery `serial` named when it was last looked up.
    func batteryID(serial: String) -> String? { serials.withLock { $0[serial] } }

    func remember(serial: String, batteryID: String) {
        serials.withLock { serials in
            if serials.count >= capacity { serials.removeAll(keepingCapacity: true) }
            serials[serial] = batteryID
        }
    }

    /// The operator's checkpoint numbered `sequence`, when it is the one seen last.
    func checkpoint(operator operatorID: String, sequence: Int) -> AnchorCheckpoint? {
        checkpoints.withLock { $0[operatorID] }.flatMap { $0.sequence == sequence ? $0 : nil }
    }

    func remember(_ checkpoint: AnchorCheckpoint) {
        checkpoints.withLock { $0[checkpoint.operatorID] = checkpoint }
    }

    func remember(_ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[entry.bundle.batteryID] = entry
        }
    }
}
