import Encoding
import Foundation
import Hummingbird
import Identity
import Ledger
import Passport
import Readings
import Trie

/// The signed-readings endpoints: commitments and submissions (public: the submitter signs), the
/// reading and battery history (public), and the operator's reward pool and batch (issuer).
struct ReadingRoutes {
    let service: ReadingService
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    /// The per-client limit on public writes.
    let publicWrites: RateLimitMiddleware
    let maxBodySize: Int

    func add(to router: Router<VoltpassRequestContext>) {
        // Public writes, rate limited per client.
        let limited = router.group().add(middleware: publicWrites)
        // POST /readings/commitments {battery, user (Multikey) | userKeyHash (hex), nonce?}: the challenge.
        limited.post("readings/commitments") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let device = try await device(try body.requiredString("battery"))
            let user: KeyHash
            if let multikey = try body.string("user") {
                user = KeyHash(publicKey: try Self.key(multikey, at: "/user").rawRepresentation)
            } else {
                guard let hash = KeyHash(hex: try body.requiredString("userKeyHash")) else {
                    throw RequestBody.invalid("/userKeyHash", "must be 56 hex digits (a 28-byte key hash)")
                }
                user = hash
            }
            let nonce = try body.string("nonce").map { try Self.hex($0, at: "/nonce") }
            return try await idempotency.runThenRecord(request, context: context, body: json, status: .created) {
                let commitment = try await service.commit(batteryID: device.id, user: user, nonce: nonce)
                return [
                    "challenge": .string(commitment.challenge.hex), "slot": .number(Double(commitment.slot)),
                    "batteryId": .string(commitment.batteryID), "userKeyHash": .string(commitment.userKeyHash.hex),
                ]
            }
        }
        // POST /readings {reading (hex COSE_Sign1), submitter (Multikey), signature (hex)}: pending, or a hard-gate code.
        limited.post("readings") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let reading = try Self.hex(try body.requiredString("reading"), at: "/reading")
            let submitter = try Self.key(try body.requiredString("submitter"), at: "/submitter")
            let signature = try Self.hex(try body.requiredString("signature"), at: "/signature")
            return try await idempotency.runThenRecord(request, context: context, body: json, status: .accepted) {
                .object(Self.json(try await service.submit(reading, submitter: submitter, signature: signature)))
            }
        }
        // GET /readings/{id}: a submitted reading and what became of it.
        router.get("readings/:id") { _, context -> Response in
            let raw = try context.parameters.require("id")
            guard let id = Hash32(hex: raw) else { throw APIError(.badRequest, code: "invalid_request", "a reading id is 64 hex digits") }
            guard let record = try await service.ledger.reading(id) else { throw APIError.notFound("no reading \(raw) was submitted") }
            return .json(.object(Self.json(record)))
        }
        // GET /batteries/{id}/readings: the battery's readings with their ledger slots, oldest first.
        router.get("batteries/:id/readings") { _, context -> Response in
            let device = try await device(try context.parameters.require("id"))
            let records = try await service.ledger.readings(battery: device.id)
            return .json(["batteryId": .string(device.id), "readings": .array(records.map { .object(Self.json($0)) })])
        }
        // POST /batteries/{id}/reader {newReader (key hash hex), publicKeyMultibase, challenge, signature}
        router.post("batteries/:id/reader") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let device = try await device(try context.parameters.require("id"))
            guard let newReader = KeyHash(hex: try body.requiredString("newReader")) else {
                throw RequestBody.invalid("/newReader", "must be 56 hex digits (a 28-byte key hash)")
            }
            try await service.transferReadingRight(
                of: device.id, to: newReader, currentReader: try Self.key(try body.requiredString("publicKeyMultibase"), at: "/publicKeyMultibase"),
                challenge: try body.requiredString("challenge"), signature: try Self.hex(try body.requiredString("signature"), at: "/signature"))
            return .json(["batteryId": .string(device.id), "reader": .string(newReader.hex)])
        }
        let issuer = router.group().add(middleware: authenticator.require(.issuer))
        // POST /operators/{name}/reward-pool {amount}
        issuer.post("operators/:operator/reward-pool") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let member = try await service.passports.operators.member(named: try context.parameters.require("operator"))
            try context.authorize(operator: member.record.id)
            guard let amount = try body.integer("amount"), amount > 0 else { throw RequestBody.invalid("/amount", "must be a whole number above 0") }
            return try await idempotency.runThenRecord(request, context: context, body: json, status: .ok) {
                let pool = try await service.fund(operator: member.record.id, amount: UInt64(amount))
                return ["operator": .string(member.record.id), "pool": .number(Double(pool))]
            }
        }
        // POST /operators/{name}/incorporate: the operator's batch.
        issuer.post("operators/:operator/incorporate") { request, context -> Response in
            let member = try await service.passports.operators.member(named: try context.parameters.require("operator"))
            try context.authorize(operator: member.record.id)
            return try await idempotency.runThenRecord(request, context: context, body: .object([:]), status: .ok) {
                .object(try await service.incorporate(operator: member.record.id).json)
            }
        }
    }

    private func device(_ identifier: String) async throws -> DeviceRecord {
        let scanned = try ScannedIdentifier(identifier.removingPercentEncoding ?? identifier)
        guard let device = try await service.passports.device(scanned: scanned) else { throw PassportError.deviceNotFound(identifier) }
        return device
    }

    static func key(_ multikey: String, at path: String) throws -> PublicKey {
        do {
            return try PublicKey(multikey: multikey)
        } catch {
            throw RequestBody.invalid(path, "is not an Ed25519 or P-256 Multikey: \(error.message)")
        }
    }

    static func hex(_ text: String, at path: String) throws -> [UInt8] {
        guard let bytes = try? Hex.decode(text) else { throw RequestBody.invalid(path, "must be hex") }
        return bytes
    }

    static func json(_ record: ReadingRecord) -> JSONObject {
        var object: JSONObject = [
            "id": .string(record.id.hex), "batteryId": .string(record.submission.batteryID), "operator": .string(record.submission.operatorID),
            "submitter": .string(record.submission.submitter.hex), "challenge": .string(record.submission.challenge.hex),
            "slot": .number(Double(record.slot)), "commitmentSlot": .number(Double(record.commitmentSlot)),
        ]
        switch record.status {
        case .pending:
            object["status"] = "pending"
        case .incorporated(let settlement, let reward):
            object["status"] = "incorporated"
            object["settlement"] = .string(settlement.hex)
            object["reward"] = .number(Double(reward))
        case .rejected(let settlement, let reason):
            object["status"] = "rejected"
            object["settlement"] = .string(settlement.hex)
            object["reason"] = .string(reason)
        }
        if let reading = try? SignedReading(decoding: record.submission.reading) {
            let state = reading.reading.state
            object["counter"] = .number(Double(reading.reading.counter))
            object["state"] = .object([
                "stateOfHealthPerMille": .number(Double(state.stateOfHealthPerMille)), "cycleCount": .number(Double(state.cycleCount)),
                "stateOfChargePerMille": .number(Double(state.stateOfChargePerMille)),
                "energyThroughputWattHours": .number(Double(state.energyThroughputWattHours)),
            ])
        }
        return object
    }
}
