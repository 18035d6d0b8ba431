import Encoding
import Foundation
import Hummingbird
import Identity

/// Admin endpoints: API tokens and operator key rotation. Every route needs the admin role.
struct AdminRoutes {
    let tokens: any AccessTokenRepository
    let operatorKeys: OperatorKeys
    let maxBodySize: Int
    let now: @Sendable () -> Date

    func add(to router: Router<VoltpassRequestContext>) {
        let admin = router.group("admin").add(middleware: RequireRole(.admin, tokens: tokens))
        admin.post("tokens") { request, _ -> Response in
            let body = try await request.jsonBody(limit: maxBodySize)
            let (record, secret) = try await createToken(from: body)
            var json = Self.json(record)
            json["token"] = .string(secret)
            return .json(.object(json), status: .created)
        }
        admin.get("tokens") { _, _ -> Response in
            .json(.array(try await tokens.tokens().map { .object(Self.json($0)) }))
        }
        admin.post("keys/rotate") { request, _ -> Response in
            let body = try await request.jsonBody(limit: maxBodySize)
            let algorithm = try Self.algorithm(in: body)
            let document = try await operatorKeys.rotate(to: algorithm)
            return .bytes(document.serialized, headers: [.contentType: DIDRoutes.didMediaType])
        }
    }

    private func createToken(from body: JSONValue) async throws -> (AccessTokenRecord, String) {
        guard let roleName = body["role"]?.stringValue else {
            throw APIError(.badRequest, code: "invalid_request", "the body needs a 'role': one of \(AccessRole.allCases.map(\.rawValue))")
        }
        guard let role = AccessRole(rawValue: roleName) else {
            throw APIError(.badRequest, code: "invalid_role", "unknown role '\(roleName)'; roles are \(AccessRole.allCases.map(\.rawValue))")
        }
        let label = body["label"]?.stringValue ?? ""
        let secret = BearerToken.generateSecret()
        let record = AccessTokenRecord(
            id: UUID().uuidString.lowercased(), secretHash: BearerToken.hash(secret), role: role, label: label, createdAt: now())
        try await tokens.saveToken(record)
        return (record, secret)
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
            "createdAt": .string(record.createdAt.formatted(.iso8601)),
        ]
        if let revokedAt = record.revokedAt { object["revokedAt"] = .string(revokedAt.formatted(.iso8601)) }
        return object
    }
}
