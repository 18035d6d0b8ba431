import Testing
import Trie

@testable import Passport

/// Concurrent verifications share their freshness reads, and none gets a read that began before it.
@Suite struct FreshnessReadsTests {
    /// A repository whose first read waits until released, recording what each read asked for.
    actor SlowRepository: FreshnessRepository {
        var asked: [(lists: Set<String>, serials: Set<String>)] = []
        private var held: CheckedContinuation<Void, Never>?
        private var holdFirst = true
        private var root: UInt8 = 1

        nonisolated func verificationFreshness(operator operatorID: String, statusListIssuer: String, statusLists: [String], serials: [String])
            async throws -> VerificationFreshness
        {
            try await answer(statusLists, serials)
        }

        private func answer(_ lists: [String], _ serials: [String]) async throws -> VerificationFreshness {
            asked.append((Set(lists), Set(serials)))
            let rootNow = root
            if holdFirst {
                holdFirst = false
                await withCheckedContinuation { held = $0 }
            }
            return VerificationFreshness(
                trieRoot: Hash32(hashing: [rootNow]), checkpointSequence: Int(rootNow), publishedRevisions: Dictionary(uniqueKeysWithValues: lists.map { ($0, 1) }),
                serialMatches: Dictionary(uniqueKeysWithValues: serials.map { ($0, ["battery-" + $0]) }))
        }

        func isHolding() -> Bool { held != nil }

        /// Moves the state (as a commit would) and lets the first read finish.
        func commitAndRelease() {
            root += 1
            held?.resume()
            held = nil
        }
    }

    @Test func verificationsArrivingDuringAReadShareTheNextOneWhichSeesTheStateAfterThem() async throws {
        let repository = SlowRepository()
        let reads = FreshnessReads(store: repository)
        let first = Task { try await reads.read(operator: "op", statusListIssuer: "op", statusLists: ["a"], serial: "S-0") }
        while await !repository.isHolding() { await Task.yield() }
        var later: [Task<VerificationFreshness, any Error>] = []
        for index in 1...8 {
            later.append(Task { try await reads.read(operator: "op", statusListIssuer: "op", statusLists: ["b\(index % 2)"], serial: "S-\(index)") })
        }
        while await reads.waitingCount() < 8 { await Task.yield() }
        // A commit moves the state while the first read is under way; then the read ends.
        await repository.commitAndRelease()
        let firstFresh = try await first.value
        #expect(firstFresh.checkpointSequence == 1)
        #expect(firstFresh.serialMatches == ["S-0": ["battery-S-0"]])
        for (index, task) in later.enumerated() {
            let fresh = try await task.value
            #expect(fresh.checkpointSequence == 2)
            #expect(fresh.serialMatches["S-\(index + 1)"] == ["battery-S-\(index + 1)"])
            #expect(fresh.publishedRevisions["b\((index + 1) % 2)"] == 1)
        }
        let asked = await repository.asked
        #expect(asked.count == 2)
        #expect(asked.last?.serials == Set((1...8).map { "S-\($0)" }))
        #expect(asked.last?.lists == ["b0", "b1"])
    }
}
