import Encoding

/// Serializes the writes to each operator's trie and records within this process, and runs each one
/// again when another instance committed first.
///
/// A write reads what it changes (leaves, ownership chain, BMS keys), builds its ``ChangeSet`` and
/// commits it; the commit checks the trie root and the sequences it read. Within one process writes
/// to one operator take turns, so they never race; a write that lost a race to another instance
/// (`root_conflict`, `ownership_conflict`, `bms_key_conflict`) reads the new state and runs again. A
/// change that is acknowledged is therefore in the leaf, and none overwrites another.
public actor OperatorWriter {
    /// Codes of a commit that lost a race and may simply be run again against the new state.
    public static let retriedCodes: Set<String> = ["root_conflict", "ownership_conflict", "bms_key_conflict"]

    private let maxAttempts: Int
    private var queues: [String: Queue] = [:]

    private struct Queue {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// A write that keeps losing races fails after `maxAttempts` with the last conflict.
    public init(maxAttempts: Int = 64) {
        self.maxAttempts = maxAttempts
    }

    /// Runs `body` alone among this process's writes to `operatorID`, again while it fails with a
    /// conflict (at most `maxAttempts` times).
    public func write<T: Sendable>(operator operatorID: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(operatorID)
        defer { release(operatorID) }
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as any CodedError where Self.retriedCodes.contains(error.code) && attempt < maxAttempts {
                attempt += 1
                // Another instance won: let it finish its next write too before reading again.
                try await Task.sleep(for: .microseconds(Int.random(in: 100...(500 * min(attempt, 20)))))
            }
        }
    }

    private func acquire(_ operatorID: String) async {
        if queues[operatorID, default: Queue()].busy {
            await withCheckedContinuation { queues[operatorID, default: Queue()].waiting.append($0) }
        } else {
            queues[operatorID, default: Queue()].busy = true
        }
    }

    private func release(_ operatorID: String) {
        guard var queue = queues[operatorID] else { return }
        if queue.waiting.isEmpty {
            queues[operatorID] = nil
        } else {
            let next = queue.waiting.removeFirst()
            queues[operatorID] = queue
            next.resume()
        }
    }
}
