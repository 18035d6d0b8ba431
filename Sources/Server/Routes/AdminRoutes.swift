import Encoding
import Foundation
import Hummingbird
import Identity
import Passport

/// Admin endpoints: API tokens and the instance key's rotation. Every route needs the admin role.
struct AdminRoutes {
    let tokens: any AccessTokenRepository
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    let operatorKeys: OperatorKeys
    let operators: OperatorDirectory
    let maxBodySize: Int
    let now: @Sendable () -> Date

    /// How long a token lives when the request does not say.
    static let defaultLifetimeDays = 90
    /// The longest a token may live.
    static let maximumLifetimeDays = 366

    func add(to router: Router<VoltpassRequestContext>) {
        let admin = router.group("admin").add(middleware: authenticator.require(.admin))
        // POST /admin/tokens {role, operators: [name | DID | "instance"], label?, expiresInDays?}: the secret is shown once.
        // The secret is never recorded: a re-send with the same Idempotency-Key gets the token's record without it.
        admin.post("tokens") { request, context -> Response in
            let body = try await request.jsonBody(limit: maxBodySize)
            return try await idempotency.runThenRecord(request, context: context, body: body, status: .created, withheld: ["token"]) {
                let (record, secret) = try await createToken(from: try RequestBody(body))
                var json = Self.json(record)
                json["token"] = .string(secret)
                return .object(json)
            }
        }
        admin.get("tokens") { _, _ -> Response in
            .json(.array(try await tokens.tokens().map { .object(Self.json($0)) }))
        }
        // DELETE /admin/tokens/{id}: revokes the token at once (on every instance sharing the store).
        admin.delete("tokens/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard var record = try await tokens.tokens().first(where: { $0.id == id }) else {
                throw APIError(.notFound, code: "token_not_found", "no token with id \(id)")
            }
            if record.revokedAt == nil {
                record.revokedAt = now()
                try await tokens.saveToken(record)
            }
            return .json(.object(Self.json(record)))
        }
        admin.post("keys/rotate") { request, _ -> Response in
            let body = try await request.jsonBody(limit: maxBodySize)
            let algorithm = try Self.algorithm(in: body)
            let document = try await operatorKeys.rotate(to: algorithm)
            return .bytes(document.serialized, headers: [.contentType: DIDRoutes.didMediaType])
        }
    }

    private func createToken(from body: RequestBody) async throws -> (AccessTokenRecord, String) {
        let roleName = try body.requiredString("role")
        guard let role = AccessRole(rawValue: roleName) else {
            throw APIError(.badRequest, code: "invalid_role", "unknown role '\(roleName)'; roles are \(AccessRole.allCases.map(\.rawValue))")
        }
        var scope: [String] = []
        for name in try body.strings("operators") {
            let did = try await scopeDID(name)
            if !scope.contains(did) { scope.append(did) }
        }
        switch (role, scope.isEmpty) {
        case (.admin, false):
            throw RequestBody.invalid("/operators", "an admin token acts for no operator; give operators to issuer and reader tokens")
        case (.issuer, true), (.reader, true):
            throw RequestBody.invalid("/operators", "must name the operators (names or DIDs) a \(role.rawValue) token acts for")
        default:
            break
        }
        let days = try body.integer("expiresInDays") ?? Self.defaultLifetimeDays
        guard (1...Self.maximumLifetimeDays).contains(days) else {
            throw RequestBody.invalid("/expiresInDays", "must be 1 to \(Self.maximumLifetimeDays)")
        }
        let label = try body.string("label") ?? ""
        guard label.utf8.count <= 200 else { throw RequestBody.invalid("/label", "has at most 200 bytes") }
        let secret = BearerToken.generateSecret()
        let created = now()
        let record = AccessTokenRecord(
            id: UUID().uuidString.lowercased(), secretHash: BearerToken.hash(secret), role: role, label: label, operators: scope,
            createdAt: created, expiresAt: created.addingTimeInterval(Double(days) * 86_400))
        try await tokens.saveToken(record)
        return (record, secret)
    }

    /// The DID a token's scope entry names: a registered operator by name or DID, or the instance's
    /// own DID (also as `instance`).
    private func scopeDID(_ name: String) async throws -> String {
        if name == operatorKeys.did || name == "instance" { return operatorKeys.did }
        return try await operators.member(nameOrDID: name).record.id
    }

    private static func algorithm(in body: JSONValue) throws -> KeyAlgorithm {
        guard let name = body["type"]?.stringValue else { return .ed25519 }
        guard let algorithm = KeyAlgorithm(name: name) else {
            throw APIError(.badRequest, code: "invalid_key_type", "unknown key type '\(name)'; use ed25519 or p256")
        }
        return algorithm
    }

    private static func json(_ record: AccessTokenRecord) -> JSONObject {
        var object: JSONObject = [
            "id": .string(record.id), "role": .string(record.role.rawValue), "label": .string(record.label),
            "operators": .array(record.operators.map(JSONValue.string)), "createdAt": .string(record.createdAt.formatted(.iso8601)),
        ]
        if let expiresAt = record.expiresAt { object["expiresAt"] = .string(expiresAt.formatted(.iso8601)) }
        if let revokedAt = record.revokedAt { object["revokedAt"] = .string(revokedAt.formatted(.iso8601)) }
        return object
    }
}
