import Foundation
import Synchronization
import Trie

@testable import Ledger

/// A clock the test moves by hand.
final class ManualTime: Sendable {
    private let seconds: Mutex<Double>

    init(_ seconds: Double = 1_000_000) { self.seconds = Mutex(seconds) }

    var clock: SlotClock { SlotClock { [self] in Date(timeIntervalSince1970: seconds.withLock { $0 }) } }

    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
    func set(_ value: Double) { seconds.withLock { $0 = value } }
}

/// A fresh ledger directory, removed at the end of the test.
final class TemporaryLedger: Sendable {
    let directory: URL
    let time: ManualTime
    /// Genesis at Unix time 1,000,000, so the manual clock starts at slot 0.
    static let genesis = Date(timeIntervalSince1970: 1_000_000)

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-ledger-test-\(UUID().uuidString)")
        time = ManualTime()
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var logURL: URL { directory.appendingPathComponent("ledger.log") }

    func open(_ parameters: LedgerParameters = LedgerParameters()) throws -> LocalLedger {
        try LocalLedger(directory: directory, parameters: parameters, clock: time.clock, genesis: Self.genesis)
    }
}

enum Sample {
    static let operatorID = "did:web:cells.example.com"
    static let battery = "urn:eudpp:battery:de:example:2024:001"
    static let alice = KeyHash(publicKey: Array(repeating: 0xA1, count: 32))
    static let bob = KeyHash(publicKey: Array(repeating: 0xB0, count: 32))
    static let coseReading: [UInt8] = [0xD2, 0x84, 0x43, 0xA1, 0x01, 0x27, 0xA0, 0x41, 0x00, 0x41, 0x00]

    static func root(_ n: UInt8) -> Hash32 { Hash32(hashing: [n]) }

    static func submission(
        _ commitment: Hash32, challenge: Hash32? = nil, battery: String = Sample.battery, submitter: KeyHash = Sample.alice,
        operatorID: String = Sample.operatorID, reading: [UInt8] = Sample.coseReading
    ) -> ReadingSubmission {
        ReadingSubmission(
            commitment: commitment, challenge: challenge ?? commitment, batteryID: battery, submitter: submitter,
            operatorID: operatorID, reading: reading)
    }
}

/// The code of the ledger error `body` throws, or nil when it throws none.
func code(_ body: () async throws -> some Any) async -> String? {
    do {
        _ = try await body()
        return nil
    } catch let error as LedgerError {
        return error.code
    } catch {
        return "unexpected: \(error)"
    }
}
