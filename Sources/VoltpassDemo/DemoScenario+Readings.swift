import Crypto
import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Readings
import Server

/// One signed reading of the demo and what became of it: `rewarded`, a soft gate's code, or the
/// code that refused it.
public struct ReadingAttempt: Sendable, Hashable {
    public let label: String
    public let outcome: String
}

extension DemoScenario {
    /// The demo reader's key file in `<data>/demo`.
    static let readerKeyFile = "reader.key.json"

    /// A reader earns rewards for honest readings of two packs in the pack maker's batch; then each
    /// attack of the specification's table, and each misbehaviour of a BMS, is tried and refused.
    func seedReadings(packMaker: OperatorRecord, emulators: [BMSEmulator]) async throws -> [ReadingAttempt] {
        guard emulators.count >= 2 else { return [] }
        _ = try await readings.fund(operator: packMaker.id, amount: 1_000 * readings.rewards.perReading)
        let reader = SoftwareSigner.generate(.ed25519)
        // Kept, so the reader can go on with `voltpass reading submit --key`.
        try KeyFile.write(reader, to: directory.appendingPathComponent(Self.readerKeyFile))
        var attempts: [ReadingAttempt] = []
        var honest: [UInt8] = []
        for bms in emulators.prefix(2) {
            try await bms.cycle(120)
            let (bytes, _) = try await submitTap(bms, reader: reader)
            honest = bytes
        }
        let batch = try await readings.incorporate(operator: packMaker.id)
        for (index, outcome) in batch.outcomes.enumerated() {
            attempts.append(ReadingAttempt(label: "honest reading of \(Self.serial(index))", outcome: outcome.code))
        }

        let bms = emulators[0]
        let batteryID = await bms.battery.batteryID
        // Replay: an old reading submitted again.
        let replayChallenge = try SignedReading(decoding: honest).reading.challenge
        attempts.append(await attempt("replay an old reading") { _ = try await submit(honest, challenge: replayChallenge, reader: reader) })
        // Stockpile: two taps for one commitment, the second submitted too.
        let stockpiled = try await commit(batteryID, reader: reader)
        let first = try await bms.read(challenge: stockpiled).encoded
        let second = try await bms.read(challenge: stockpiled).encoded
        _ = try await submit(first, challenge: stockpiled, reader: reader)
        attempts.append(await attempt("stockpile: a second reading for one commitment") {
            _ = try await submit(second, challenge: stockpiled, reader: reader)
        })
        // Backdate: a past ledger transaction claimed as the challenge.
        if let anchor = try await readings.ledger.currentAnchor(operator: packMaker.id) {
            let backdated = try await bms.read(challenge: anchor.transaction.bytes).encoded
            attempts.append(await attempt("backdate: an old ledger transaction as challenge") {
                _ = try await submit(backdated, challenge: anchor.transaction.bytes, reader: reader)
            })
        }
        // Forged commitment: a challenge no commitment transaction has.
        let forged = Array(SHA256.hash(data: Array("forged commitment".utf8)))
        let forgedReading = try await bms.read(challenge: forged).encoded
        attempts.append(await attempt("forge a commitment") { _ = try await submit(forgedReading, challenge: forged, reader: reader) })
        // Misbehaving BMS firmware.
        for (misbehaviour, label) in [(BMSEmulator.Misbehaviour.resetCounter, "BMS resets its counter"), (.risingSoH, "BMS reports rising SoH")] {
            try await bms.misbehave(misbehaviour)
            attempts.append(await attempt(label) { _ = try await submitTap(bms, reader: reader) })
        }
        try await bms.misbehave(.none)
        // The stockpile's first reading is incorporated in the next batch, within the cooldown.
        for outcome in try await readings.incorporate(operator: packMaker.id).outcomes {
            attempts.append(ReadingAttempt(label: "a second honest reading within the cooldown", outcome: outcome.code))
        }
        return attempts
    }

    private func commit(_ batteryID: String, reader: SoftwareSigner) async throws -> [UInt8] {
        try await readings.commit(batteryID: batteryID, user: KeyHash(publicKey: reader.publicKey)).challenge.bytes
    }

    private func submit(_ bytes: [UInt8], challenge: [UInt8], reader: SoftwareSigner) async throws -> ReadingRecord {
        let signature = try await reader.sign(SubmitterProof.submissionMessage(challenge: challenge, reading: bytes))
        return try await readings.submit(bytes, submitter: reader.verificationKey, signature: signature)
    }

    private func submitTap(_ bms: BMSEmulator, reader: SoftwareSigner) async throws -> ([UInt8], ReadingRecord) {
        let challenge = try await commit(await bms.battery.batteryID, reader: reader)
        let bytes = try await bms.read(challenge: challenge).encoded
        return (bytes, try await submit(bytes, challenge: challenge, reader: reader))
    }

    /// Runs a hostile submission; its outcome is the code that refused it (`accepted` if none did).
    private func attempt(_ label: String, _ body: () async throws -> Void) async -> ReadingAttempt {
        do {
            try await body()
            return ReadingAttempt(label: label, outcome: "accepted")
        } catch let error as any CodedError {
            return ReadingAttempt(label: label, outcome: "refused: \(error.code)")
        } catch {
            return ReadingAttempt(label: label, outcome: "refused: \(error)")
        }
    }
}
