import Foundation
import Testing
import Trie

@testable import Ledger

/// The operator's batch: reward pool, settlement of pending readings, rewards, anchor, atomicity.
@Suite struct SettlementTests {
    /// Two pending readings (alice's and bob's) for the sample operator, and their ids.
    static func pendingReadings(_ ledger: LocalLedger) async throws -> (alice: Hash32, bob: Hash32) {
        let a = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        let b = try await ledger.commit(batteryID: "urn:battery:2", userKeyHash: Sample.bob, nonce: [1])
        let alice = try await ledger.submitReading(Sample.submission(a.hash))
        let bob = try await ledger.submitReading(Sample.submission(b.hash, battery: "urn:battery:2", submitter: Sample.bob))
        return (alice.hash, bob.hash)
    }

    @Test func settleIncorporatesRejectsPaysAndAnchorsAtOnce() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let (alice, bob) = try await Self.pendingReadings(ledger)
        try await ledger.fund(operator: Sample.operatorID, amount: 500)
        try await ledger.fund(operator: Sample.operatorID, amount: 250)
        #expect(await ledger.rewardPool(operator: Sample.operatorID) == 750)

        temp.time.advance(60)
        let batch = try await ledger.settle(
            operator: Sample.operatorID, root: Sample.root(3),
            settlements: [
                Settlement(reading: alice, outcome: .incorporated(reward: 300)),
                Settlement(reading: bob, outcome: .rejected(reason: "signature_invalid")),
            ])
        #expect(await ledger.rewardPool(operator: Sample.operatorID) == 450)
        #expect(await ledger.balance(of: Sample.alice) == 300)
        #expect(await ledger.balance(of: Sample.bob) == 0)
        #expect(await ledger.reading(alice)?.status == .incorporated(settlement: batch.hash, reward: 300))
        #expect(await ledger.reading(bob)?.status == .rejected(settlement: batch.hash, reason: "signature_invalid"))
        #expect(await ledger.pendingReadings(operator: Sample.operatorID).isEmpty)
        #expect(await ledger.currentAnchor(operator: Sample.operatorID) == AnchorRecord(
            operatorID: Sample.operatorID, root: Sample.root(3), transaction: batch.hash, slot: 60))
    }

    @Test func aReadingIsNeverSettledTwice() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let (alice, bob) = try await Self.pendingReadings(ledger)
        try await ledger.fund(operator: Sample.operatorID, amount: 1000)
        try await ledger.settle(operator: Sample.operatorID, root: Sample.root(1), settlements: [Settlement(reading: alice, outcome: .incorporated(reward: 10))])
        #expect(await code {
            try await ledger.settle(operator: Sample.operatorID, root: Sample.root(2), settlements: [Settlement(reading: alice, outcome: .incorporated(reward: 10))])
        } == "reading_already_settled")
        #expect(await code {
            try await ledger.settle(
                operator: Sample.operatorID, root: Sample.root(2),
                settlements: [Settlement(reading: bob, outcome: .incorporated(reward: 10)), Settlement(reading: bob, outcome: .incorporated(reward: 10))])
        } == "reading_already_settled")
        #expect(await ledger.balance(of: Sample.alice) == 10)
        #expect(await ledger.balance(of: Sample.bob) == 0)
        #expect(await ledger.rewardPool(operator: Sample.operatorID) == 990)
    }

    @Test func rewardsNeverExceedThePool() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let (alice, bob) = try await Self.pendingReadings(ledger)
        try await ledger.fund(operator: Sample.operatorID, amount: 100)
        let before = await ledger.snapshot()
        #expect(await code {
            try await ledger.settle(
                operator: Sample.operatorID, root: Sample.root(1),
                settlements: [Settlement(reading: alice, outcome: .incorporated(reward: 60)), Settlement(reading: bob, outcome: .incorporated(reward: 41))])
        } == "insufficient_pool")
        #expect(await ledger.snapshot() == before)
        try await ledger.settle(
            operator: Sample.operatorID, root: Sample.root(1),
            settlements: [Settlement(reading: alice, outcome: .incorporated(reward: 60)), Settlement(reading: bob, outcome: .incorporated(reward: 40))])
        #expect(await ledger.rewardPool(operator: Sample.operatorID) == 0)
    }

    @Test func settlementsNameRealReadingsOfThisOperator() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let (alice, _) = try await Self.pendingReadings(ledger)
        #expect(await code {
            try await ledger.settle(operator: "did:web:other.example", root: Sample.root(1), settlements: [Settlement(reading: alice, outcome: .incorporated(reward: 0))])
        } == "reading_operator_mismatch")
        #expect(await code {
            try await ledger.settle(operator: Sample.operatorID, root: Sample.root(1), settlements: [Settlement(reading: Sample.root(9), outcome: .incorporated(reward: 0))])
        } == "reading_not_found")
        #expect(await code {
            try await ledger.settle(operator: Sample.operatorID, root: Sample.root(1), settlements: [Settlement(reading: alice, outcome: .rejected(reason: ""))])
        } == "invalid_reason")
        // A batch with no readings only anchors.
        try await ledger.settle(operator: Sample.operatorID, root: Sample.root(5), settlements: [])
        #expect(await ledger.currentAnchor(operator: Sample.operatorID)?.root == Sample.root(5))
    }

    @Test func fundAmountsAreChecked() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        #expect(await code { try await ledger.fund(operator: Sample.operatorID, amount: 0) } == "invalid_amount")
        try await ledger.fund(operator: Sample.operatorID, amount: .max)
        #expect(await code { try await ledger.fund(operator: Sample.operatorID, amount: 1) } == "amount_overflow")
        #expect(await ledger.rewardPool(operator: Sample.operatorID) == .max)
    }

    /// A batch that fails at its last transaction undoes every kind of transaction before it.
    @Test func aFailingBatchUndoesEveryKindOfTransaction() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let (alice, bob) = try await Self.pendingReadings(ledger)
        let spare = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [9])
        try await ledger.fund(operator: Sample.operatorID, amount: 100)
        let before = await ledger.snapshot()
        #expect(await code {
            try await ledger.submit(batch: [
                .anchor(operator: Sample.operatorID, root: Sample.root(1)),
                .commit(batteryID: Sample.battery, userKeyHash: Sample.bob, nonce: [1]),
                .submitReading(Sample.submission(spare.hash)),
                .fund(operator: Sample.operatorID, amount: 5),
                .settle(
                    operator: Sample.operatorID, root: Sample.root(2),
                    settlements: [
                        Settlement(reading: alice, outcome: .incorporated(reward: 70)),
                        Settlement(reading: bob, outcome: .rejected(reason: "counter_replayed")),
                    ]),
                .fund(operator: Sample.operatorID, amount: 0),
            ])
        } == "invalid_amount")
        #expect(await ledger.snapshot() == before)
    }

    @Test func aBatchIsAllOrNothingAndMayDependOnItself() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        let before = await ledger.snapshot()
        let sizeBefore = try FileManager.default.attributesOfItem(atPath: temp.logURL.path)[.size] as? Int

        let commit = LedgerTransaction.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        let receipts = try await ledger.submit(batch: [commit])
        let failing: [LedgerTransaction] = [
            .commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [2]),
            .submitReading(Sample.submission(receipts[0].hash)),
            .fund(operator: Sample.operatorID, amount: 10),
            .anchor(operator: Sample.operatorID, root: Sample.root(2)),
            .fund(operator: Sample.operatorID, amount: 0),
        ]
        let middle = await ledger.snapshot()
        #expect(await code { try await ledger.submit(batch: failing) } == "invalid_amount")
        #expect(await ledger.snapshot() == middle)
        #expect(await code { try await ledger.submit(batch: []) } == "empty_batch")

        // Commit and consume in one batch, then settle with funds from the same batch.
        let batch = try await ledger.submit(batch: [
            .commit(batteryID: Sample.battery, userKeyHash: Sample.bob, nonce: [3]),
            .fund(operator: Sample.operatorID, amount: 10),
        ])
        let reading = try await ledger.submit(.submitReading(Sample.submission(batch[0].hash, submitter: Sample.bob)))
        try await ledger.settle(operator: Sample.operatorID, root: Sample.root(4), settlements: [Settlement(reading: reading.hash, outcome: .incorporated(reward: 10))])
        #expect(await ledger.balance(of: Sample.bob) == 10)
        #expect(before != middle)
        #expect(sizeBefore != nil)

        let live = await ledger.snapshot()
        await ledger.close()
        #expect(try await temp.open().snapshot() == live)
    }
}
