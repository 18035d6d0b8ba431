import Encoding
import Trie

/// Serializes the writes to each operator's trie and records within this process, commits the
/// single-battery writes waiting for their turn together, and runs each write again when another
/// instance committed first.
///
/// A write reads what it changes (leaves, ownership chain, BMS keys), builds its ``ChangeSet`` and
/// commits it; the commit checks the trie root and the sequences it read. Within one process writes
/// to one operator take turns, so they never race; a write that lost a race to another instance
/// (`root_conflict`, `ownership_conflict`, `bms_key_conflict`) reads the new state and runs again. A
/// change that is acknowledged is therefore in the leaf, and none overwrites another.
///
/// Group commit: the single-battery writes (``write(operator:battery:stage:commit:)``) queued behind
/// an operator's turn are staged together against one root, each on its own battery, and committed
/// in one transaction. When that transaction is refused for another reason than a race, each of them
/// runs again alone, so one write's refusal is never another's.
public actor OperatorWriter {
    /// Codes of a commit that lost a race and may simply be run again against the new state.
    public static let retriedCodes: Set<String> = ["root_conflict", "ownership_conflict", "bms_key_conflict"]

    /// What one single-battery write changes, staged against a trie root.
    public struct Staged<Output: Sendable>: Sendable {
        public var changes: ChangeSet
        /// The battery's new leaf (or leaves), written over the trie in the same transaction.
        public var leaves: [BatteryLeaf]
        /// What the write answers once committed.
        public var output: Output

        public init(changes: ChangeSet, leaves: [BatteryLeaf], output: Output) {
            self.changes = changes
            self.leaves = leaves
            self.output = output
        }
    }

    /// How a group of staged writes reaches the store: the operator's current root; the merged change
    /// set stored in one transaction with the leaves over the trie at the root they were staged on,
    /// answering the new root; and what follows a stored change set (signing the status lists it
    /// changed), which is never a reason to run the writes again.
    public struct GroupCommit: Sendable {
        public var currentRoot: @Sendable () async throws -> Hash32
        public var store: @Sendable (ChangeSet, [BatteryLeaf], Hash32) async throws -> Hash32
        public var publish: @Sendable (ChangeSet) async throws -> Void

        public init(
            currentRoot: @escaping @Sendable () async throws -> Hash32,
            store: @escaping @Sendable (ChangeSet, [BatteryLeaf], Hash32) async throws -> Hash32,
            publish: @escaping @Sendable (ChangeSet) async throws -> Void
        ) {
            self.currentRoot = currentRoot
            self.store = store
            self.publish = publish
        }
    }

    private let maxAttempts: Int
    private let maxGroup: Int
    private var queues: [String: Queue] = [:]
    /// Single-battery writes not staged yet, per operator, in arrival order.
    private var pending: [String: [PendingWrite]] = [:]
    /// Outcomes of grouped writes, kept until their caller's turn comes.
    private var outcomes: [Int: Result<any Sendable, any Error>] = [:]
    private var nextWriteID = 0
    /// The root each operator's last group stored, staged on by the next group without reading it
    /// again; forgotten after any other write and after a race (another instance moved the trie).
    private var storedRoots: [String: Hash32] = [:]

    private struct Queue {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private struct PendingWrite: Sendable {
        let id: Int
        let battery: String
        let stage: @Sendable (Hash32) async throws -> Staged<any Sendable>
    }

    /// A write that keeps losing races fails after `maxAttempts` with the last conflict; a group
    /// commits at most `maxGroup` writes.
    public init(maxAttempts: Int = 64, maxGroup: Int = 64) {
        self.maxAttempts = maxAttempts
        self.maxGroup = maxGroup
    }

    /// Runs `body` alone among this process's writes to `operatorID`, again while it fails with a
    /// conflict (at most `maxAttempts` times).
    public func write<T: Sendable>(operator operatorID: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(operatorID)
        defer { release(operatorID) }
        storedRoots[operatorID] = nil
        return try await retrying(body)
    }

    /// Commits the change `stage` makes to one battery of `operatorID`, staged against the root of
    /// the operator's trie, possibly in one transaction with the other batteries' writes waiting for
    /// the same turn. A refused write stores nothing and is refused with its own error.
    public func write<T: Sendable>(
        operator operatorID: String, battery: String, stage: @escaping @Sendable (Hash32) async throws -> Staged<T>, commit: GroupCommit
    ) async throws -> T {
        let id = nextWriteID
        nextWriteID += 1
        pending[operatorID, default: []].append(PendingWrite(id: id, battery: battery) { root in
            let staged = try await stage(root)
            return Staged(changes: staged.changes, leaves: staged.leaves, output: staged.output)
        })
        await acquire(operatorID)
        defer { release(operatorID) }
        // Unless a group committed it already; a write behind another one to its battery waits for
        // the group after that one's.
        while outcomes[id] == nil {
            await commitPendingGroup(of: operatorID, commit)
        }
        return try outcomes.removeValue(forKey: id)!.get() as! T
    }

    /// Takes the operator's pending writes (one per battery, in arrival order), stages them against
    /// one root, with those that arrive while they are staged, and stores them in one transaction,
    /// again after a race; when the transaction is refused otherwise, each write runs alone. Records
    /// each one's outcome.
    private func commitPendingGroup(of operatorID: String, _ commit: GroupCommit) async {
        var group = takePending(of: operatorID, besides: [])
        var attempt = 1
        while true {
            let remembered = storedRoots.removeValue(forKey: operatorID)
            do {
                let root = if let remembered { remembered } else { try await commit.currentRoot() }
                var staged = await Self.stage(group, at: root)
                while true {
                    let joining = takePending(of: operatorID, besides: group)
                    if joining.isEmpty { break }
                    group += joining
                    staged += await Self.stage(joining, at: root)
                }
                // A write that read a trie another instance moved meanwhile stages again with the rest.
                for case .failure(let error as any CodedError) in staged where Self.retriedCodes.contains(error.code) { throw error }
                let ready = staged.compactMap { try? $0.get() }
                if !ready.isEmpty {
                    var merged = ChangeSet()
                    for write in ready { merged.merge(write.changes) }
                    storedRoots[operatorID] = try await commit.store(merged, ready.flatMap(\.leaves), root)
                    // Stored: from here on nothing runs again; a failure to publish is each write's answer.
                    do {
                        try await commit.publish(merged)
                    } catch {
                        for (write, result) in zip(group, staged) { outcomes[write.id] = result.flatMap { _ in .failure(error) } }
                        return
                    }
                }
                for (write, result) in zip(group, staged) { outcomes[write.id] = result.map(\.output) }
                return
            } catch let error as any CodedError where Self.retriedCodes.contains(error.code) && attempt < maxAttempts {
                // A remembered root another instance moved is read again at once; a race lost on a
                // root just read waits for the winner's next write too.
                if remembered == nil {
                    attempt += 1
                    try? await Task.sleep(for: Self.pause(before: attempt))
                }
            } catch where group.count > 1 {
                for write in group {
                    do { outcomes[write.id] = .success(try await commitAlone(write, commit)) } catch { outcomes[write.id] = .failure(error) }
                }
                return
            } catch {
                for write in group { outcomes[write.id] = .failure(error) }
                return
            }
        }
    }

    /// How many single-battery writes to `operatorID` wait to be staged.
    func pendingCount(of operatorID: String) -> Int {
        pending[operatorID]?.count ?? 0
    }

    /// The operator's pending writes to batteries `group` does not write, one per battery, in arrival
    /// order, as many as fit in a group; they are no longer pending.
    private func takePending(of operatorID: String, besides group: [PendingWrite]) -> [PendingWrite] {
        var taken: [PendingWrite] = []
        var left: [PendingWrite] = []
        var batteries = Set(group.map(\.battery))
        for write in pending[operatorID] ?? [] {
            if group.count + taken.count < maxGroup, batteries.insert(write.battery).inserted { taken.append(write) } else { left.append(write) }
        }
        pending[operatorID] = left.isEmpty ? nil : left
        return taken
    }

    private static func stage(_ group: [PendingWrite], at root: Hash32) async -> [Result<Staged<any Sendable>, any Error>] {
        await withTaskGroup(of: (Int, Result<Staged<any Sendable>, any Error>).self) { tasks in
            for (index, write) in group.enumerated() {
                tasks.addTask { (index, await Result(catching: { try await write.stage(root) })) }
            }
            var results = [Result<Staged<any Sendable>, any Error>?](repeating: nil, count: group.count)
            for await (index, result) in tasks { results[index] = result }
            return results.map { $0! }
        }
    }

    /// Stages and stores one write, again after a race; then publishes what it changed.
    private nonisolated func commitAlone(_ write: PendingWrite, _ commit: GroupCommit) async throws -> any Sendable {
        let staged = try await retrying {
            let root = try await commit.currentRoot()
            let staged = try await write.stage(root)
            _ = try await commit.store(staged.changes, staged.leaves, root)
            return staged
        }
        try await commit.publish(staged.changes)
        return staged.output
    }

    /// Runs `body` again while it fails with a conflict, at most `maxAttempts` times.
    private nonisolated func retrying<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as any CodedError where Self.retriedCodes.contains(error.code) && attempt < maxAttempts {
                attempt += 1
                try await Task.sleep(for: Self.pause(before: attempt))
            }
        }
    }

    /// How long to wait before the attempt after a lost race: long enough for the instance that won to
    /// finish its next write too before this one reads again.
    private static func pause(before attempt: Int) -> Duration {
        .microseconds(Int.random(in: 100...(500 * min(attempt, 20))))
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

extension Result where Failure == any Error {
    /// The outcome of `body`.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
