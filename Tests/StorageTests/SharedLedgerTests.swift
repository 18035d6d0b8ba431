import Foundation
import Ledger
import Synchronization
import Testing
import Trie

@testable import Storage

/// The deployment's ledger in PostgreSQL, opened by two instances (two stores, two pools) at once.
@Suite("Shared ledger on PostgreSQL", .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct SharedLedgerTests {
    static let operatorID = "did:web:cells.example.com"
    static let battery = "urn:eudpp:battery:de:example:2024:001"
    static let reader = KeyHash(publicKey: Array(repeating: 0xA1, count: 32))
    static let genesis = Date(timeIntervalSince1970: 1_000_000)

    /// A clock both instances read, moved by the test.
    final class Time: Sendable {
        let seconds = Mutex(1_000_000.0)
        var clock: SlotClock { SlotClock { [self] in Date(timeIntervalSince1970: seconds.withLock { $0 }) } }
        func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
    }

    /// Two instances' ledgers on one fresh database.
    func withTwoInstances(_ body: (DatabaseLedger, DatabaseLedger, Time, PostgresTestDatabase) async throws -> Void) async throws {
        try await PostgresTestDatabase.withFresh { database in
            let time = Time()
            try await PostgresStore.withStore(url: database.url, schema: database.schema, logger: PostgresTestDatabase.logger) { first in
                try await PostgresStore.withStore(url: database.url, schema: database.schema, logger: PostgresTestDatabase.logger) { second in
                    let a = try await DatabaseLedger(records: first, clock: time.clock, genesis: Self.genesis)
                    let b = try await DatabaseLedger(records: second, clock: time.clock)
                    try await body(a, b, time, database)
                }
            }
        }
    }

    func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func submission(_ commitment: Hash32) -> ReadingSubmission {
        ReadingSubmission(
            commitment: commitment, challenge: commitment, batteryID: battery, submitter: reader, operatorID: operatorID,
            reading: [0xD2, 0x84, 0x43, 0xA1, 0x01, 0x27, 0xA0, 0x41, 0x00, 0x41, 0x00])
    }

    @Test("a commitment made on one instance is consumed on the other, and only once")
    func commitmentAcrossInstances() async throws {
        try await withTwoInstances { a, b, time, _ in
            #expect(b.genesis == Self.genesis)
            let commitment = try await a.commit(batteryID: Self.battery, userKeyHash: Self.reader, nonce: [1])
            time.advance(3)
            let reading = try await b.submitReading(Self.submission(commitment.hash))
            #expect(try await a.reading(reading.hash)?.commitmentSlot == commitment.slot)
            let again = await #expect(throws: LedgerError.self) { try await a.submitReading(Self.submission(commitment.hash)) }
            #expect(again?.code == "commitment_consumed")

            // Both instances race to consume one fresh commitment: exactly one wins.
            let contested = try await b.commit(batteryID: Self.battery, userKeyHash: Self.reader, nonce: [2])
            async let fromA = outcome { try await a.submitReading(Self.submission(contested.hash)) }
            async let fromB = outcome { try await b.submitReading(Self.submission(contested.hash)) }
            let outcomes = await [fromA, fromB]
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(outcomes.compactMap { result -> String? in
                guard case .failure(let error as LedgerError) = result else { return nil }
                return error.code
            } == ["commitment_consumed"])
            #expect(try await a.pendingReadings(operator: Self.operatorID).count == 2)
        }
    }

    @Test("concurrent appends from two instances form one history, the same on both")
    func oneHistory() async throws {
        try await withTwoInstances { a, b, _, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, ledger) in [("a", a), ("b", b)] {
                    for worker in 0..<4 {
                        group.addTask {
                            for round in 0..<10 {
                                try await ledger.anchor(operator: "did:web:\(name)\(worker).example", root: Hash32(hashing: Array("\(round)".utf8)))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (tipA, tipB) = (try await a.tip(), try await b.tip())
            #expect(tipA == tipB)
            #expect(tipA.count == 80)
            for name in ["a0", "b3"] {
                let history = try await b.anchorHistory(operator: "did:web:\(name).example")
                #expect(history.count == 10)
                #expect(history == (try await a.anchorHistory(operator: "did:web:\(name).example")))
            }
        }
    }

    @Test("of two instances anchoring one root at once, one records it")
    func rootAnchoredOnce() async throws {
        try await withTwoInstances { a, b, _, _ in
            for round in 0..<8 {
                let root = Hash32(hashing: [UInt8(round)])
                async let fromA = outcome { try await a.anchor(operator: Self.operatorID, root: root) }
                async let fromB = outcome { try await b.anchor(operator: Self.operatorID, root: root) }
                let outcomes = await [fromA, fromB]
                #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            }
            let roots = try await a.anchorHistory(operator: Self.operatorID).map(\.root)
            #expect(roots.count == 8)
            #expect(Set(roots).count == 8)
        }
    }

    @Test("the same transactions at the same slots have the same hashes as in the ledger file")
    func sameHashesAsTheFile() async throws {
        try await withTwoInstances { shared, _, time, _ in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-ledger-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = try LocalLedger(directory: directory, clock: time.clock, genesis: Self.genesis)
            defer { Task { await file.close() } }
            for ledger in [shared as any Ledger, file] {
                let commitment = try await ledger.commit(batteryID: Self.battery, userKeyHash: Self.reader, nonce: [7])
                try await ledger.fund(operator: Self.operatorID, amount: 50)
                let reading = try await ledger.submitReading(Self.submission(commitment.hash))
                try await ledger.settle(
                    operator: Self.operatorID, root: Hash32(hashing: [9]),
                    settlements: [Settlement(reading: reading.hash, outcome: .incorporated(reward: 10))])
            }
            #expect(try await shared.tip() == (try await file.tip()))
            #expect(try await shared.balance(of: Self.reader) == 10)
        }
    }

    @Test("a reopened ledger replays the shared history; a damaged record or another genesis is refused")
    func reopenAndDamage() async throws {
        try await withTwoInstances { a, _, _, database in
            try await a.anchor(operator: Self.operatorID, root: Hash32(hashing: [1]))
            try await a.anchor(operator: Self.operatorID, root: Hash32(hashing: [2]))
            try await PostgresStore.withStore(url: database.url, schema: database.schema, logger: PostgresTestDatabase.logger) { store in
                let reopened = try await DatabaseLedger(records: store)
                #expect(try await reopened.tip() == (try await a.tip()))
                let mismatch = await #expect(throws: LedgerError.self) {
                    try await DatabaseLedger(records: store, genesis: Date(timeIntervalSince1970: 2_000_000))
                }
                #expect(mismatch?.code == "genesis_mismatch")
            }
            try await database.execute("UPDATE ledger_records SET payload = '\\x8100'::bytea WHERE number = 1")
            try await PostgresStore.withStore(url: database.url, schema: database.schema, logger: PostgresTestDatabase.logger) { store in
                let damaged = await #expect(throws: LedgerError.self) { try await DatabaseLedger(records: store) }
                #expect(damaged?.code == "ledger_corrupt")
            }
        }
    }
}
