import Encoding
import Foundation
import Testing
import Trie

@testable import Passport

/// Group commit in the operator's writer: single-battery writes that wait for one turn are stored in
/// one transaction, and one write's refusal, a lost race or a failed publication never costs another
/// write its answer or runs a stored write twice.
@Suite struct OperatorWriterGroupTests {
    static let operatorID = "did:web:example.com:operators:acme"

    /// A store that records what it was asked to store and fails as told.
    actor FakeStore {
        var stored: [[String]] = []
        var published = 0
        var stagings: [String: Int] = [:]
        var root = Hash32(bytes: [UInt8](repeating: 0, count: 32))!
        /// Refuses a change set touching this battery when it holds other batteries too.
        var refuseMixed: String?
        var conflictsLeft = 0
        var publishFails = false

        func configure(refuseMixed: String? = nil, conflicts: Int = 0, publishFails: Bool = false) {
            self.refuseMixed = refuseMixed
            conflictsLeft = conflicts
            self.publishFails = publishFails
        }

        /// Batteries whose first staging finds the trie moved by another instance.
        var movedUnder: Set<String> = []

        func staged(_ battery: String) throws {
            stagings[battery, default: 0] += 1
            if movedUnder.remove(battery) != nil { throw PassportError("root_conflict", "the trie moved under \(battery)") }
        }

        func move(under battery: String) { movedUnder.insert(battery) }

        var rootReads = 0

        func currentRoot() -> Hash32 {
            rootReads += 1
            return root
        }

        /// Another instance commits: the root moves under this one.
        func moveRoot() {
            root = Hash32(bytes: [UInt8](repeating: 0xEE, count: 32))!
        }

        func store(_ changes: ChangeSet, at expected: Hash32) throws -> Hash32 {
            let batteries = changes.feed.map(\.deviceID)
            guard expected == root else { throw PassportError("root_conflict", "moved") }
            if conflictsLeft > 0 {
                conflictsLeft -= 1
                root = Hash32(bytes: [UInt8](repeating: UInt8(stored.count + 100), count: 32))!
                throw PassportError("root_conflict", "another instance committed first")
            }
            if let refused = refuseMixed, batteries.contains(refused) {
                throw PassportError("credential_exists", "refused because of \(refused)")
            }
            stored.append(batteries)
            root = Hash32(bytes: [UInt8](repeating: UInt8(stored.count), count: 32))!
            return root
        }

        func publish() throws {
            published += 1
            if publishFails { throw PassportError("status_unreachable", "signing failed") }
        }
    }

    /// A turn held open until `open()`.
    actor Gate {
        private var waiting: CheckedContinuation<Void, Never>?
        private var opened = false
        func wait() async {
            if opened { return }
            await withCheckedContinuation { waiting = $0 }
        }
        func open() {
            opened = true
            waiting?.resume()
            waiting = nil
        }
    }

    let writer = OperatorWriter()
    let store = FakeStore()

    var commit: OperatorWriter.GroupCommit {
        let store = store
        return OperatorWriter.GroupCommit(
            currentRoot: { await store.currentRoot() },
            store: { changes, _, root in try await store.store(changes, at: root) },
            publish: { _ in try await store.publish() })
    }

    /// Queues a write to `battery` (refused while staging when `refuse`), answering its battery.
    func write(_ battery: String, refuse: Bool = false) -> Task<String, any Error> {
        let (writer, store, commit) = (writer, store, commit)
        return Task {
            try await writer.write(operator: Self.operatorID, battery: battery, stage: { _ in
                try await store.staged(battery)
                if refuse { throw PassportError("invalid_transition", "\(battery) may not change") }
                var changes = ChangeSet()
                changes.feed = [StatusFeedEntry(deviceID: battery, kind: .firmware, detail: [], recordedAt: Date(timeIntervalSince1970: 0))]
                return .init(changes: changes, leaves: [], output: battery)
            }, commit: commit)
        }
    }

    /// Runs `writes` while the operator's turn is held, so that they wait together, then lets them go.
    func together(_ writes: [(String, Bool)]) async throws -> [Result<String, any Error>] {
        let (entered, gate) = (Gate(), Gate())
        let holder = Task {
            try await writer.write(operator: Self.operatorID) {
                await entered.open()
                await gate.wait()
            }
        }
        await entered.wait()
        var tasks: [Task<String, any Error>] = []
        for (battery, refuse) in writes {
            tasks.append(write(battery, refuse: refuse))
            while await writer.pendingCount(of: Self.operatorID) < tasks.count { await Task.yield() }
        }
        await gate.open()
        try await holder.value
        var results: [Result<String, any Error>] = []
        for task in tasks { results.append(await task.result) }
        return results
    }

    static func code(_ result: Result<String, any Error>) -> String? {
        if case .failure(let error as any CodedError) = result { return error.code }
        return nil
    }

    @Test func writesWaitingForOneTurnAreStoredInOneTransactionAndARefusalIsItsOwn() async throws {
        let results = try await together([("b1", false), ("b2", true), ("b3", false)])
        #expect(try results[0].get() == "b1")
        #expect(Self.code(results[1]) == "invalid_transition")
        #expect(try results[2].get() == "b3")
        #expect(await store.stored == [["b1", "b3"]])
        #expect(await store.published == 1)
    }

    @Test func aSecondWriteToOneBatteryWaitsForTheNextGroup() async throws {
        let results = try await together([("b1", false), ("b2", false), ("b1", false)])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(await store.stored == [["b1", "b2"], ["b1"]])
    }

    @Test func aTransactionRefusedForOneWriteRunsEachWriteAlone() async throws {
        await store.configure(refuseMixed: "b2")
        let results = try await together([("b1", false), ("b2", false), ("b3", false)])
        #expect(try results[0].get() == "b1")
        #expect(Self.code(results[1]) == "credential_exists")
        #expect(try results[2].get() == "b3")
        #expect(await store.stored == [["b1"], ["b3"]])
    }

    @Test func aLostRaceStagesTheGroupAgainOnTheNewRoot() async throws {
        await store.configure(conflicts: 2)
        let results = try await together([("b1", false), ("b2", false)])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(await store.stored == [["b1", "b2"]])
        #expect(await store.stagings == ["b1": 3, "b2": 3])
    }

    @Test func aWriteThatReadAMovedTrieStagesAgainWithTheRest() async throws {
        await store.move(under: "b2")
        let results = try await together([("b1", false), ("b2", false)])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(await store.stored == [["b1", "b2"]])
        #expect(await store.stagings == ["b1": 2, "b2": 2])
    }

    @Test func theNextGroupStagesOnTheRootTheLastOneStoredAndReadsAgainWhenAnotherInstanceMovedIt() async throws {
        _ = try await write("b1").value
        _ = try await write("b2").value
        #expect(await store.rootReads == 1)
        await store.moveRoot()
        _ = try await write("b3").value
        #expect(await store.rootReads == 2)
        #expect(await store.stored == [["b1"], ["b2"], ["b3"]])
        #expect(await store.stagings == ["b1": 1, "b2": 1, "b3": 2])
    }

    @Test func aFailedPublicationAnswersEachWriteAndRunsNothingAgain() async throws {
        await store.configure(publishFails: true)
        let results = try await together([("b1", false), ("b2", false)])
        #expect(results.allSatisfy { Self.code($0) == "status_unreachable" })
        #expect(await store.stored == [["b1", "b2"]])
        #expect(await store.stagings == ["b1": 1, "b2": 1])
    }
}
