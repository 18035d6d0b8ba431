import Encoding
import Foundation
import Testing
import Trie
import VectorSupport

@testable import Ledger

/// Reopening, crash recovery (torn and garbled tails cut back, damage elsewhere refused) and replay.
@Suite struct PersistenceTests {
    /// A ledger with some history; returns the state and file length before and after its last record.
    static func history(_ temp: TemporaryLedger) async throws -> (before: LedgerState, cleanLength: Int, after: LedgerState) {
        let ledger = try temp.open()
        try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
        try await ledger.fund(operator: Sample.operatorID, amount: 50)
        temp.time.advance(12)
        let before = await ledger.snapshot()
        let cleanLength = try Self.bytes(temp).count
        // The last record: a batch of two transactions.
        _ = try await ledger.submit(batch: [
            .submitReading(Sample.submission(commitment.hash)),
            .commit(batteryID: Sample.battery, userKeyHash: Sample.bob, nonce: [2]),
        ])
        let after = await ledger.snapshot()
        await ledger.close()
        return (before, cleanLength, after)
    }

    static func bytes(_ temp: TemporaryLedger) throws -> [UInt8] { Array(try Data(contentsOf: temp.logURL)) }

    static func write(_ bytes: [UInt8], _ temp: TemporaryLedger) throws { try Data(bytes).write(to: temp.logURL) }

    @Test func reopeningGivesTheSameState() async throws {
        let temp = TemporaryLedger()
        let (_, _, after) = try await Self.history(temp)
        let reopened = try temp.open()
        #expect(await reopened.snapshot() == after)
        #expect(reopened.recoveredBytes == 0)
        #expect(reopened.genesis == TemporaryLedger.genesis)
        // It keeps working after the reopen, continuing the chain.
        let receipt = try await reopened.anchor(operator: Sample.operatorID, root: Sample.root(2))
        await reopened.close()
        let again = try temp.open()
        #expect(await again.tip() == LedgerTip(count: after.tip.count + 1, hash: receipt.hash, slot: 12))
    }

    @Test func aTornTailIsCutBackAtEveryByteOffset() async throws {
        let temp = TemporaryLedger()
        let (before, cleanLength, after) = try await Self.history(temp)
        let full = try Self.bytes(temp)
        for cut in cleanLength..<full.count {
            try Self.write(Array(full[..<cut]), temp)
            let ledger = try temp.open()
            #expect(await ledger.snapshot() == before, "cut at \(cut)")
            #expect(ledger.recoveredBytes == cut - cleanLength)
            #expect(try Self.bytes(temp).count == cleanLength)
            if cut % 61 == 0 {
                try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(3))
                await ledger.close()
                #expect(try await temp.open().tip().count == before.tip.count + 1)
            }
        }
        try Self.write(full, temp)
        #expect(try await temp.open().snapshot() == after)
    }

    @Test func aGarbledTailIsCutBack() async throws {
        let temp = TemporaryLedger()
        let (before, cleanLength, _) = try await Self.history(temp)
        let full = try Self.bytes(temp)
        for offset in cleanLength..<full.count {
            var garbled = full
            garbled[offset] ^= 0x5A
            try Self.write(garbled, temp)
            let ledger = try temp.open()
            #expect(await ledger.snapshot() == before, "byte \(offset) garbled")
            #expect(ledger.recoveredBytes == full.count - cleanLength)
        }
        // A tail of zeros (a file extended but never written) is cut too.
        try Self.write(full + [UInt8](repeating: 0, count: 4096), temp)
        let ledger = try temp.open()
        #expect(ledger.recoveredBytes == 4096)
        #expect(await ledger.tip().count == 5)
    }

    @Test func damageBeforeTheLastRecordIsCorrupt() async throws {
        let temp = TemporaryLedger()
        let (_, cleanLength, _) = try await Self.history(temp)
        let full = try Self.bytes(temp)
        for offset in [LedgerLog.fileHeaderSize + 2, LedgerLog.fileHeaderSize + 20, cleanLength - 1] {
            var damaged = full
            damaged[offset] ^= 0x01
            try Self.write(damaged, temp)
            #expect(await code { try temp.open() } == "ledger_corrupt", "byte \(offset)")
            #expect(try Self.bytes(temp) == damaged, "a refused ledger is left as it was")
        }
        var header = full
        header[3] ^= 0x01
        try Self.write(header, temp)
        #expect(await code { try temp.open() } == "ledger_corrupt")
        try Self.write(Array(full[..<10]), temp)
        #expect(await code { try temp.open() } == "ledger_corrupt")
    }

    /// Records with good checksums whose contents break the chain or the rules are refused, not cut.
    @Test func wellChecksummedRecordsThatBreakTheRulesAreCorrupt() async throws {
        let temp = TemporaryLedger()
        try await temp.open().close()
        let empty = try Self.bytes(temp)
        func record(_ bodies: [TransactionBody]) -> [UInt8] {
            var writer = CBORWriter()
            writer.appendHead(.array, UInt64(bodies.count))
            for body in bodies { body.encode(into: &writer) }
            return LedgerLog.recordHeader(for: writer.bytes) + writer.bytes
        }
        let anchor = LedgerTransaction.anchor(operator: Sample.operatorID, root: Sample.root(1))
        let cases: [(String, [UInt8])] = [
            ("valid", record([TransactionBody(transaction: anchor, slot: 3, parent: .null)])),
            ("broken chain", record([TransactionBody(transaction: anchor, slot: 3, parent: Sample.root(8))])),
            ("unknown commitment", record([TransactionBody(transaction: .submitReading(Sample.submission(Sample.root(4))), slot: 3, parent: .null)])),
            ("slot going back", record([
                TransactionBody(transaction: anchor, slot: 3, parent: .null),
                TransactionBody(transaction: anchor, slot: 2, parent: Hash32(hashing: TransactionBody(transaction: anchor, slot: 3, parent: .null).encoded)),
            ])),
            ("not CBOR", LedgerLog.recordHeader(for: [0xFF, 0x00]) + [0xFF, 0x00]),
            ("not an array", LedgerLog.recordHeader(for: [0x01]) + [0x01]),
        ]
        for (name, bytes) in cases {
            try Self.write(empty + bytes, temp)
            let result = await code { try temp.open() }
            #expect(result == (name == "valid" ? nil : "ledger_corrupt"), "\(name)")
        }
    }

    @Test func genesisLockingAndClosing() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        #expect(await code { try temp.open() } == "ledger_locked")
        await ledger.close()
        #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "ledger_closed")
        #expect(await code {
            try LocalLedger(directory: temp.directory, clock: temp.time.clock, genesis: Date(timeIntervalSince1970: 5))
        } == "genesis_mismatch")
        // Without a configured genesis the stored one is used.
        let reopened = try LocalLedger(directory: temp.directory, clock: temp.time.clock)
        #expect(reopened.genesis == TemporaryLedger.genesis)
    }

    /// Many random transactions, valid and invalid, singly and in batches: the replayed state equals
    /// the live one, and rewards only move between pools and balances.
    @Test func randomTransactionsReplayToTheSameState() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open(LedgerParameters(maxAgeSlots: 40))
        var random = SeededRandom(seed: 0x6C65_6467_6572)
        let operators = ["did:web:a.example", "did:web:b.example"]
        let users = (0..<3).map { KeyHash(publicKey: [UInt8($0)]) }
        let batteries = (0..<4).map { "urn:battery:\($0)" }
        var commitments: [(hash: Hash32, battery: String, user: KeyHash)] = []
        var funded: UInt64 = 0
        var accepted = 0

        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

        for _ in 0..<400 {
            if random.next() % 4 == 0 { temp.time.advance(Double(random.next() % 15)) }
            var batch: [LedgerTransaction] = []
            for _ in 0..<(random.next() % 5 == 0 ? 1 + Int(random.next() % 4) : 1) {
                let operatorID = pick(operators)
                switch random.next() % 6 {
                case 0:
                    batch.append(.anchor(operator: operatorID, root: Hash32(hashing: random.bytes(count: 4))))
                case 1:
                    batch.append(.commit(batteryID: pick(batteries), userKeyHash: pick(users), nonce: random.bytes(count: Int(random.next() % 3))))
                case 2 where !commitments.isEmpty:
                    let target = pick(commitments)
                    let honest = random.next() % 4 != 0
                    batch.append(.submitReading(ReadingSubmission(
                        commitment: target.hash, challenge: honest ? target.hash : pick(commitments).hash,
                        batteryID: honest ? target.battery : pick(batteries), submitter: honest ? target.user : pick(users),
                        operatorID: operatorID, reading: random.bytes(count: 1 + Int(random.next() % 40)))))
                case 3:
                    batch.append(.fund(operator: operatorID, amount: random.next() % 300))
                case 4:
                    let pending = await ledger.pendingReadings(operator: operatorID)
                    let settlements = pending.filter { _ in random.next() % 3 != 0 }.map {
                        Settlement(reading: $0.id, outcome: random.next() % 4 == 0 ? .rejected(reason: "plausibility") : .incorporated(reward: random.next() % 60))
                    }
                    batch.append(.settle(operator: operatorID, root: Hash32(hashing: random.bytes(count: 4)), settlements: settlements))
                default:
                    batch.append(.anchor(operator: pick(operators), root: .null))
                }
            }
            do {
                let receipts = try await ledger.submit(batch: batch)
                accepted += receipts.count
                for (transaction, receipt) in zip(batch, receipts) {
                    switch transaction {
                    case .commit(let battery, let user, _): commitments.append((receipt.hash, battery, user))
                    case .fund(_, let amount): funded += amount
                    default: break
                    }
                }
            } catch {
                continue  // typed: always a LedgerError, and nothing was recorded
            }
        }
        let live = await ledger.snapshot()
        #expect(live.tip.count == accepted)
        #expect(accepted > 150, "the generator should produce mostly valid transactions")
        #expect(live.pools.values.reduce(0, +) + live.balances.values.reduce(0, +) == funded)
        await ledger.close()
        #expect(try await temp.open().snapshot() == live)
    }
}

@Suite struct GenesisTests {
    @Test func genesisOutsideTheClockRangeIsRejected() async throws {
        let temp = TemporaryLedger()
        #expect(await code { try LocalLedger(directory: temp.directory, genesis: Date(timeIntervalSince1970: -1)) } == "invalid_genesis")
        #expect(await code { try LocalLedger(directory: temp.directory, genesis: Date(timeIntervalSince1970: 1e300)) } == "invalid_genesis")
        // A header with a negative genesis and a valid checksum is refused, not trusted.
        try await temp.open().close()
        var header = LedgerLog.fileHeader(genesis: -5)
        header += try Array(Data(contentsOf: temp.logURL)).dropFirst(LedgerLog.fileHeaderSize)
        try Data(header).write(to: temp.logURL)
        #expect(await code { try LocalLedger(directory: temp.directory, clock: temp.time.clock) } == "ledger_corrupt")
    }
}

@Suite struct ChecksumTests {
    /// CRC-32C check values: "123456789" from the CRC catalogue, and RFC 3720 (iSCSI) B.4.
    @Test func crc32cMatchesPublishedCheckValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }
}
