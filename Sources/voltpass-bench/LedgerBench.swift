import Encoding
import Foundation
import Ledger
import Trie

/// The embedded ledger: commitments appended per second in batches of 1,000 (one sync per batch)
/// and one at a time (one sync each), the time to open (replay) a ledger of 10⁵ transactions, and
/// an operator batch settling 10⁴ pending readings with rewards and a new anchor.
extension Suite {
    static let ledger: [Suite] = [
        Suite(name: "ledger.commit-batches-1000") { _ in
            try await LedgerBenchFixtures.withLedger { ledger, _ in
                let seconds = try await LedgerBenchFixtures.time {
                    for batch in 0..<100 { _ = try await ledger.submit(batch: LedgerBenchFixtures.commitments(batch * 1000, 1000)) }
                }
                return Measurement(
                    operation: "ledger commit, batches of 1,000 (one fsync each), 10^5 commitments", count: 100_000,
                    seconds: seconds, bytesPerOperation: nil)
            }
        },
        Suite(name: "ledger.commit-single") { seconds in
            try await LedgerBenchFixtures.withLedger { ledger, _ in
                var index = 0
                return try await measure("ledger commit, one transaction and fsync each", minimumSeconds: seconds) {
                    index += 1
                    return Int(try await ledger.submit(LedgerBenchFixtures.commitments(index, 1)[0]).slot & 1)
                }
            }
        },
        Suite(name: "ledger.replay-10^5") { _ in
            try await LedgerBenchFixtures.withLedger { ledger, directory in
                // 50,000 commitments and the 50,000 readings consuming them, 1,000 transactions per batch.
                for batch in 0..<100 {
                    let commits = LedgerBenchFixtures.commitments(batch * 500, 500)
                    let receipts = try await ledger.submit(batch: commits)
                    _ = try await ledger.submit(batch: LedgerBenchFixtures.readings(for: receipts, first: batch * 500))
                }
                await ledger.close()
                var runs = 0
                let seconds = try await LedgerBenchFixtures.time {
                    for _ in 0..<3 {
                        let reopened = try LocalLedger(directory: directory)
                        runs += await reopened.tip().count == 100_000 ? 1 : 0
                        await reopened.close()
                    }
                }
                return Measurement(
                    operation: "ledger open (replay) of 10^5 transactions (commitments + readings)", count: runs, seconds: seconds,
                    bytesPerOperation: nil)
            }
        },
        Suite(name: "ledger.settle-10^4") { _ in
            try await LedgerBenchFixtures.withLedger { ledger, _ in
                var readings: [Hash32] = []
                for batch in 0..<10 {
                    let receipts = try await ledger.submit(batch: LedgerBenchFixtures.commitments(batch * 1000, 1000))
                    readings += try await ledger.submit(batch: LedgerBenchFixtures.readings(for: receipts, first: batch * 1000)).map(\.hash)
                }
                try await ledger.fund(operator: LedgerBenchFixtures.operatorID, amount: 1_000_000)
                let settlements = readings.map { Settlement(reading: $0, outcome: .incorporated(reward: 10)) }
                let seconds = try await LedgerBenchFixtures.time {
                    try await ledger.settle(operator: LedgerBenchFixtures.operatorID, root: Hash32(hashing: [1]), settlements: settlements)
                }
                return Measurement(
                    operation: "ledger settle 10^4 readings with rewards and anchor (one transaction), per reading",
                    count: settlements.count, seconds: seconds, bytesPerOperation: nil)
            }
        },
    ]
}

/// Ledgers in temporary directories, with commitments and readings of realistic sizes.
enum LedgerBenchFixtures {
    static let operatorID = "did:web:bench.example"
    static let reading = Fixtures.bytes(180)

    static func user(_ index: Int) -> KeyHash { KeyHash(publicKey: Array("user-\(index % 1000)".utf8)) }

    static func commitments(_ first: Int, _ count: Int) -> [LedgerTransaction] {
        (first..<first + count).map { index in
            .commit(batteryID: "urn:eudpp:battery:bench:\(index)", userKeyHash: user(index), nonce: Array("nonce-\(index)".utf8))
        }
    }

    static func readings(for commitments: [TransactionReceipt], first: Int) -> [LedgerTransaction] {
        commitments.enumerated().map { offset, receipt in
            let index = first + offset
            return .submitReading(
                ReadingSubmission(
                    commitment: receipt.hash, challenge: receipt.hash, batteryID: "urn:eudpp:battery:bench:\(index)",
                    submitter: user(index), operatorID: operatorID, reading: reading))
        }
    }

    static func withLedger<T>(_ body: (LocalLedger, URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-ledger-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try LocalLedger(directory: directory)
        let result = try await body(ledger, directory)
        await ledger.close()
        return result
    }

    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
