/// Shares the freshness reads of concurrent verifications of one operator's batteries: while one read
/// runs, the verifications that arrive wait for the next, which starts once it ends and asks for all
/// of their status lists and serials in one statement. A verification therefore never sees a state
/// older than its own arrival (the read it gets started after it), and under load an operator's
/// verifications cost one round trip per batch instead of one each.
actor FreshnessReads {
    private struct Key: Hashable {
        let operatorID: String
        let statusListIssuer: String
    }

    private struct Batch {
        var statusLists: Set<String> = []
        var serials: Set<String> = []
        var waiting: [CheckedContinuation<VerificationFreshness, any Error>] = []
    }

    private let store: any FreshnessRepository
    private var next: [Key: Batch] = [:]
    private var running: Set<Key> = []

    init(store: any FreshnessRepository) {
        self.store = store
    }

    /// What changed about `operatorID`'s trie, checkpoints and `statusLists`, and the devices with
    /// `serial`, read after this call began.
    func read(operator operatorID: String, statusListIssuer: String, statusLists: [String], serial: String?) async throws
        -> VerificationFreshness
    {
        let key = Key(operatorID: operatorID, statusListIssuer: statusListIssuer)
        return try await withCheckedThrowingContinuation { continuation in
            var batch = next[key, default: Batch()]
            batch.statusLists.formUnion(statusLists)
            if let serial { batch.serials.insert(serial) }
            batch.waiting.append(continuation)
            next[key] = batch
            if running.insert(key).inserted {
                Task { await drain(key) }
            }
        }
    }

    /// How many reads wait for a batch to start.
    func waitingCount() -> Int {
        next.values.reduce(0) { $0 + $1.waiting.count }
    }

    /// Runs the batches of `key` one after another until none is waiting.
    private func drain(_ key: Key) async {
        while let batch = next.removeValue(forKey: key) {
            do {
                let fresh = try await store.verificationFreshness(
                    operator: key.operatorID, statusListIssuer: key.statusListIssuer, statusLists: Array(batch.statusLists),
                    serials: Array(batch.serials))
                for waiting in batch.waiting { waiting.resume(returning: fresh) }
            } catch {
                for waiting in batch.waiting { waiting.resume(throwing: error) }
            }
        }
        running.remove(key)
    }
}
