import Foundation
import Testing
import Trie

@testable import Ledger

/// The CommitmentValidator and ReportingValidator rules, and each attack in the specification's
/// table, checked by its code.
@Suite struct ReadingProtocolTests {
    @Test func commitmentHashIsTheChallengeAndAReadingConsumesIt() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        temp.time.advance(42)
        let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [7])
        let record = try #require(await ledger.commitment(commitment.hash))
        #expect(record.challenge == commitment.hash)
        #expect(record.slot == 42)
        #expect(record.consumedBy == nil)

        temp.time.advance(30)
        let reading = try await ledger.submitReading(Sample.submission(commitment.hash))
        #expect(await ledger.commitment(commitment.hash)?.consumedBy == reading.hash)
        let pending = await ledger.pendingReadings(operator: Sample.operatorID)
        #expect(pending.map(\.id) == [reading.hash])
        #expect(pending.first?.submission.reading == Sample.coseReading)
        #expect(pending.first?.slot == 72)
        #expect(pending.first?.commitmentSlot == 42)
        #expect(pending.first?.status == .pending)
        #expect(await ledger.pendingReadings(operator: "did:web:other.example").isEmpty)
    }

    @Test func identicalCommitmentsGetDistinctChallenges() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let a = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        let b = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        #expect(a.hash != b.hash)
    }

    // MARK: - Attacks (specification table)

    /// Replay an old reading: its commitment is spent, and a new commitment does not match the
    /// challenge the old reading signed.
    @Test func replayOfAnOldReadingIsBlocked() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let old = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        _ = try await ledger.submitReading(Sample.submission(old.hash))
        temp.time.advance(100)
        #expect(await code { try await ledger.submitReading(Sample.submission(old.hash)) } == "commitment_consumed")
        let fresh = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [2])
        #expect(await code { try await ledger.submitReading(Sample.submission(fresh.hash, challenge: old.hash)) } == "challenge_mismatch")
        // A challenge that was never a commitment (e.g. a slot number hashed) has no commitment to consume.
        let invented = Hash32(hashing: Array("142857000".utf8))
        #expect(await code { try await ledger.submitReading(Sample.submission(invented)) } == "commitment_not_found")
        #expect(await ledger.pendingReadings(operator: Sample.operatorID).count == 1)
        #expect(await ledger.commitment(fresh.hash)?.consumedBy == nil)
    }

    /// Stockpile readings: many readings against one commitment; only the first is accepted.
    @Test func stockpiledReadingsAreBlocked() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        _ = try await ledger.submitReading(Sample.submission(commitment.hash, reading: [1]))
        for best in 2...5 as ClosedRange<UInt8> {
            #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, reading: [best])) } == "commitment_consumed")
        }
        #expect(await ledger.pendingReadings(operator: Sample.operatorID).map(\.submission.reading) == [[1]])
    }

    /// Backdate a reading: the commitment's slot is fixed, so an old commitment is stale; the limit is inclusive.
    @Test func backdatedReadingsAreStale() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open(LedgerParameters(maxAgeSlots: 200))
        let onTime = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        let late = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [2])
        temp.time.advance(200)
        _ = try await ledger.submitReading(Sample.submission(onTime.hash))
        temp.time.advance(1)
        #expect(await code { try await ledger.submitReading(Sample.submission(late.hash)) } == "stale_challenge")
        #expect(await ledger.commitment(late.hash)?.consumedBy == nil)
    }

    /// Forge a commitment: a transaction hash the ledger never confirmed.
    @Test func forgedCommitmentIsNotFound() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let real = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        var forged = real.hash.bytes
        forged[31] ^= 1
        let forgedHash = try #require(Hash32(bytes: forged))
        #expect(await code { try await ledger.submitReading(Sample.submission(forgedHash)) } == "commitment_not_found")
    }

    // MARK: - Validator rules

    @Test func commitmentBelongsToItsUserAndBattery() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, submitter: Sample.bob)) } == "commitment_owner_mismatch")
        #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, battery: "urn:other")) } == "commitment_battery_mismatch")
        // The failed attempts did not consume it.
        _ = try await ledger.submitReading(Sample.submission(commitment.hash))
    }

    @Test func malformedCommitmentsAndReadingsAreRejected() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open(LedgerParameters(maxNonceBytes: 4, maxReadingBytes: 8))
        #expect(await code { try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: []) } == "invalid_nonce")
        #expect(await code { try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1, 2, 3, 4, 5]) } == "invalid_nonce")
        #expect(await code { try await ledger.commit(batteryID: "", userKeyHash: Sample.alice, nonce: [1]) } == "invalid_battery_id")
        let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, reading: [])) } == "invalid_reading")
        #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, reading: Array(repeating: 1, count: 9))) } == "invalid_reading")
        #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash, operatorID: "")) } == "invalid_operator_id")
        #expect(await ledger.tip().count == 1)
    }

    @Test func concurrentSubmittersAreSerialized() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let receipts = try await withThrowingTaskGroup(of: TransactionReceipt.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let user = KeyHash(publicKey: [UInt8(index)])
                    let commitment = try await ledger.commit(batteryID: "battery-\(index)", userKeyHash: user, nonce: [1])
                    return try await ledger.submitReading(Sample.submission(commitment.hash, battery: "battery-\(index)", submitter: user))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.hash)).count == 64)
        #expect(await ledger.pendingReadings(operator: Sample.operatorID).count == 64)
        #expect(await ledger.tip().count == 128)
        let live = await ledger.snapshot()
        await ledger.close()
        #expect(try await temp.open().snapshot() == live)
    }
}
