import Synchronization
import Trie

/// Remembers each battery's bundle as of the operator's trie root it was read at. Every write that
/// changes what a bundle carries (leaf, ownership chain, BMS keys) moves that root in the same
/// transaction, so while the root stays the same the remembered parts are current; what changes
/// without moving it (status lists, the checkpoint, the DID document, an origin operator's leaf) is
/// read again on every use. Bounded: when full, it starts over.
final class BundleCache: Sendable {
    struct Entry: Sendable {
        let root: Hash32
        let bundle: PassportBundle
        /// The status lists the bundle carries, device list first.
        let statusListIDs: [String]
    }

    private let capacity: Int
    private let entries = Mutex([String: Entry]())

    init(capacity: Int = 20_000) {
        self.capacity = max(1, capacity)
    }

    /// The battery's remembered bundle when it was read at `root`.
    func entry(_ batteryID: String, root: Hash32) -> Entry? {
        entries.withLock { $0[batteryID] }.flatMap { $0.root == root ? $0 : nil }
    }

    func remember(_ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[entry.bundle.batteryID] = entry
        }
    }
}
