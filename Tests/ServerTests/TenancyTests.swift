import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import Passport
import Server
import ServerTestSupport
import Synchronization
import Testing

/// Keeps the log lines a server writes, for the audit trail tests.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "voltpass-audit-test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .notice

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            let merged = self.metadata.merging(metadata ?? [:]) { $1 }
            log.lines.withLock { $0.append(Line(message: "\(message)", metadata: merged.mapValues { "\($0)" })) }
        }
    }
}

/// One instance, several operators: every attack of one tenant on another is refused with its code
/// and changes nothing; tokens expire and can be revoked; public reads touch no secret key.
@Suite struct TenancyTests {
    static let packGTIN = "04012345000009"
    static let cellGTIN = "04068194000011"
    static let integratorGTIN = "04000001000012"

    /// Registers the pack maker (with one anchored, green pack VP-1) and the cell maker, and hands
    /// each an issuer token acting for it alone.
    private func withTwoOperators(
        _ body: @Sendable (_ client: LoopbackClient, _ server: VoltpassServer, _ tokens: (admin: String, pack: String, cell: String)) async throws -> Void
    ) async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, server, admin in
            let pack = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            let cell = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            let device = PassportFixtures.device(serial: "VP-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: pack).status == .created)
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: pack).status == .ok)
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").verdict == "green")
            try await body(client, server, (admin, pack, cell))
        }
    }

    @Test("a token acts only for its operators: 13 writes on another operator's battery are operator_forbidden and change nothing")
    func issuerTokensStayInTheirOperator() async throws {
        try await withTwoOperators { client, _, tokens in
            let key = SoftwareSigner.generate(.ed25519).verificationKey.multikey
            let attacks: [(String, JSONObject)] = [
                ("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(PassportFixtures.device(serial: "X", lot: "L", key: SoftwareSigner.generate(.ed25519)))]),
                ("/operators/packmaker/recalls", ["selector": "serial", "value": "VP-1", "reason": "sabotage"]),
                ("/passports/VP-1/lifecycle", ["action": "recycle"]),
                ("/passports/VP-1/lifecycle", ["action": "repurpose", "operator": "cellmaker", "gtin": .string(Self.cellGTIN), "serial": "S"]),
                ("/passports/VP-1/lifecycle", ["action": "voidWarranty"]),
                ("/passports/VP-1/lifecycle", ["action": "firmware", "version": "6.6.6", "sha256": .string(String(repeating: "66", count: 32))]),
                ("/passports/VP-1/ownership", ["owner": "did:example:thief"]),
                ("/passports/VP-1/bms-keys", ["publicKeyMultibase": .string(key)]),
                ("/operators/packmaker/anchor", [:]),
                ("/operators/packmaker/reward-pool", ["amount": 1_000_000]),
                ("/operators/packmaker/incorporate", [:]),
            ]
            for (path, body) in attacks {
                let response = try await client.post(path, body, token: tokens.cell)
                #expect(response.status == .forbidden, "\(path) \(body)")
                #expect(try response.json["code"] as? String == "operator_forbidden", "\(path): \(String(buffer: response.body))")
            }
            for path in ["/passports/VP-1/plate.svg", "/passports/VP-1/plate.png", "/passports/VP-1/plate.ndef", "/passports/VP-1/label.svg"] {
                let response = try await client.execute(uri: path, method: .get, headers: .bearer(tokens.cell))
                #expect(try response.json["code"] as? String == "operator_forbidden", "\(path)")
            }
            // The admin manages; it does not write operators' data.
            let byAdmin = try await client.post("/operators/packmaker/recalls", ["selector": "serial", "value": "VP-1", "reason": "x"], token: tokens.admin)
            #expect(byAdmin.status == .forbidden)
            #expect(try byAdmin.json["code"] as? String == "forbidden")
            // Nothing changed: still green, same owner-less record, no recall.
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").verdict == "green")
            let record = try await client.execute(uri: "/passports/VP-1", method: .get).json
            #expect((record["feed"] as? [Any])?.count == 1, "only the provisioning entry")
            // The pack maker's own token still does its own work.
            #expect(try await client.post("/passports/VP-1/lifecycle", ["action": "voidWarranty"], token: tokens.pack).status == .ok)
        }
    }

    @Test("a GTIN outside the operator's company prefixes is gtin_not_owned; prefixes cannot overlap")
    func ownedIdentifiers() async throws {
        try await withTwoOperators { client, _, tokens in
            let foreign = PassportFixtures.device(serial: "F-1", lot: "L", key: SoftwareSigner.generate(.ed25519), gtin: Self.packGTIN)
            let refused = try await client.post("/manufacturing/device/issue", ["operator": "cellmaker", "device": .object(foreign)], token: tokens.cell)
            #expect(refused.status == .forbidden)
            #expect(try refused.json["code"] as? String == "gtin_not_owned")
            let own = PassportFixtures.device(serial: "F-1", lot: "L", key: SoftwareSigner.generate(.ed25519), gtin: Self.cellGTIN)
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "cellmaker", "device": .object(own)], token: tokens.cell).status == .created)
            for prefix in ["4012345", "40123456", "401234"] {
                let overlapping = try await client.post("/operators", ["name": .string("copy\(prefix.count)"), "companyPrefixes": [.string(prefix)]], token: tokens.admin)
                #expect(overlapping.status == .conflict, "\(prefix)")
                #expect(try overlapping.json["code"] as? String == "company_prefix_taken")
            }
            let none = try await client.post("/operators", ["name": "noprefix"], token: tokens.admin)
            #expect(none.status == .created)
            let noPrefixToken = try await client.createToken(operators: ["noprefix"], admin: tokens.admin)
            let unowned = try await client.post("/manufacturing/device/issue", ["operator": "noprefix", "device": .object(own)], token: noPrefixToken)
            #expect(try unowned.json["code"] as? String == "gtin_not_owned")
        }
    }

    @Test("a bare serial of batteries of two operators is ambiguous_identifier listing both; diagnostics need the full identifier")
    func serialShadowing() async throws {
        try await withTwoOperators { client, _, tokens in
            // Verified once while it names one battery (its bundle and the serial are remembered then).
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").verdict == "green")
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").verdict == "green")
            let integrator = try await client.registerOperator("integrator", companyPrefixes: ["4000001"], admin: tokens.admin)
            let shadow = PassportFixtures.device(serial: "VP-1", lot: "L", key: SoftwareSigner.generate(.ed25519), gtin: Self.integratorGTIN)
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "integrator", "device": .object(shadow)], token: integrator).status == .created)
            let ambiguous = try await client.execute(uri: "/verify/device/VP-1", method: .get, headers: [.accept: "application/json"])
            #expect(ambiguous.status == .conflict)
            #expect(try ambiguous.json["code"] as? String == "ambiguous_identifier")
            let candidates = try #require(try ambiguous.json["candidates"] as? [String])
            #expect(Set(candidates) == ["https://id.gs1.org/01/\(Self.packGTIN)/21/VP-1", "https://id.gs1.org/01/\(Self.integratorGTIN)/21/VP-1"])
            // Each full identifier names its own battery.
            let genuine = try await verifyOverHTTP(client, "/01/\(Self.packGTIN)/21/VP-1")
            #expect(genuine.verdict == "green")
            let batch = try await client.execute(uri: "/verify/batch", method: .post, body: jsonBody(["items": ["VP-1"]]))
            #expect(((try batch.json["results"] as? [[String: Any]])?.first?["failures"] as? [[String: Any]])?.first?["code"] as? String == "ambiguous_identifier")
            let challenge = try #require(try await client.execute(uri: "/diagnostics/challenges", method: .post).json["challenge"] as? String)
            let bare = try await client.execute(
                uri: "/diagnostics/responses", method: .post, body: jsonBody(["device": "VP-1", "challenge": .string(challenge), "response": "AA"]))
            #expect(try bare.json["code"] as? String == "full_identifier_required")
        }
    }

    @Test("the generic status routes reach only the instance's own lists; sizes are bounded")
    func statusListsHaveOwners() async throws {
        try await withTwoOperators { client, server, tokens in
            let instance = try await client.createToken(operators: ["instance"], admin: tokens.admin)
            // The operator's token cannot use the instance's routes.
            let notInstance = try await client.post("/status-lists", ["statusPurpose": "suspension"], token: tokens.pack)
            #expect(try notInstance.json["code"] as? String == "operator_forbidden")
            // An entry of the pack maker's device list, named through the instance's URL space.
            let device = try #require(try await server.store.device(id: "https://id.gs1.org/01/\(Self.packGTIN)/21/VP-1"))
            let attack: JSONObject = [
                "credentialId": "urn:uuid:not-stored-here", "status": true,
                "credentialStatus": [
                    "statusPurpose": "suspension", "statusListIndex": .string(String(device.deviceStatusIndex)),
                    "statusListCredential": .string("http://localhost:8080/status-lists/\(device.deviceStatusList)"),
                ],
            ]
            let refused = try await client.post("/credentials/status", attack, token: instance)
            #expect(try refused.json["code"] as? String == "status_list_not_found", "\(String(buffer: refused.body))")
            // Taking the operator's list id for an instance list makes another list, not a way in.
            let squat = try await client.post("/status-lists", ["statusPurpose": "suspension", "id": .string(device.deviceStatusList)], token: instance)
            #expect(squat.status == .created)
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").verdict == "green")
            let huge = try await client.post("/status-lists", ["statusPurpose": "revocation", "options": ["length": .number(Double(1 << 30))]], token: instance)
            #expect(try huge.json["code"] as? String == "status_list_length_error")
        }
    }

    @Test("tokens expire, are revoked at once, and are scoped when created")
    func tokenLifecycle() async throws {
        try await withTwoOperators { client, server, tokens in
            let listed = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer(tokens.admin))
            let records = try #require(try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
            #expect(records.allSatisfy { $0["expiresAt"] is String })
            let cellRecord = try #require(records.first { ($0["operators"] as? [String])?.first?.hasSuffix(":cellmaker") == true })
            let id = try #require(cellRecord["id"] as? String)
            let revoked = try await client.execute(uri: "/admin/tokens/\(id)", method: .delete, headers: .bearer(tokens.admin))
            #expect(revoked.status == .ok)
            #expect(try revoked.json["revokedAt"] is String)
            let afterRevocation = try await client.post("/operators/cellmaker/anchor", [:], token: tokens.cell)
            #expect(afterRevocation.status == .unauthorized)
            #expect(try await client.execute(uri: "/admin/tokens/unknown", method: .delete, headers: .bearer(tokens.admin)).status == .notFound)

            // An expired token is refused like an unknown one.
            let secret = BearerToken.generateSecret()
            try await server.store.saveToken(AccessTokenRecord(
                id: "expired", secretHash: BearerToken.hash(secret), role: .issuer, label: "old", operators: [PassportVerdictCodeTests.operatorID],
                createdAt: Date(timeIntervalSinceNow: -86_400 * 2), expiresAt: Date(timeIntervalSinceNow: -86_400)))
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: secret).status == .unauthorized)

            for (body, code) in [
                (#"{"role":"issuer"}"#, "invalid_request"), (#"{"role":"admin","operators":["packmaker"]}"#, "invalid_request"),
                (#"{"role":"issuer","operators":["nobody"]}"#, "operator_not_found"),
                (#"{"role":"issuer","operators":["packmaker"],"expiresInDays":400}"#, "invalid_request"),
            ] {
                let response = try await client.execute(uri: "/admin/tokens", method: .post, headers: .bearer(tokens.admin), body: ByteBuffer(string: body))
                #expect(try response.json["code"] as? String == code, "\(body)")
            }
        }
    }

    @Test("public reads of status lists, passports and bundles touch no secret key")
    func publicReadsNeedNoKeys() async throws {
        try await withTwoOperators { client, server, tokens in
            #expect(try await client.post("/operators/packmaker/recalls", ["selector": "serial", "value": "VP-1", "reason": "test"], token: tokens.pack).status == .created)
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: tokens.pack).status == .ok)
            // Every key file is gone (as if the keys lived in an HSM that is offline now).
            let keys = server.configuration.dataDirectory.appendingPathComponent("keys")
            try FileManager.default.removeItem(at: keys)
            for path in [
                "/operators/packmaker/status-lists/packmaker-devices-1", "/operators/packmaker/did.json", "/passports/VP-1",
                "/passports/VP-1/bundle", "/verify/device/VP-1", "/.well-known/did.json",
            ] {
                let response = try await client.execute(uri: path, method: .get, headers: [.accept: "application/json"])
                #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
                #expect(!String(buffer: response.body).contains(keys.path), "\(path) names no file")
            }
            #expect(try await verifyOverHTTP(client, "/verify/device/VP-1").codes == ["recalled"])
        }
    }

    @Test("every write is logged with its token, the operator it acted for, the resource and the outcome; no secret")
    func auditTrail() async throws {
        let log = CapturedLog()
        try await withLiveServer(logger: log.logger, configure: { $0.anchorInterval = nil }) { client, _, admin in
            let pack = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: admin)
            let cell = try await client.registerOperator("cellmaker", companyPrefixes: ["4068194"], admin: admin)
            let device = PassportFixtures.device(serial: "A-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: pack).status == .created)
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: cell).status == .forbidden)
            let writes = log.all.filter { $0.metadata["audit"] == "write" }
            let provision = try #require(writes.first { $0.metadata["resource"] == "/manufacturing/device/issue" })
            #expect(provision.metadata["operator"] == "did:web:localhost%3A8080:operators:packmaker")
            #expect(provision.metadata["outcome"] == "201")
            #expect(provision.metadata["token"]?.count == 36, "the token id, never its secret")
            let refused = try #require(writes.first { $0.metadata["resource"] == "/operators/packmaker/anchor" })
            #expect(refused.message == "write refused")
            #expect(refused.metadata["outcome"]?.contains("operator_forbidden") == true)
            let everything = log.all.map { $0.message + $0.metadata.values.joined(separator: " ") }.joined(separator: "\n")
            for secret in [admin, pack, cell] { #expect(!everything.contains(secret)) }
        }
    }

    @Test("repeated failed authentication from one client is rate limited, and then even a right token is refused")
    func failedAuthenticationIsLimited() async throws {
        // 3 failures at once, then 1 a minute: the test's few requests see no refill even on a slow machine.
        try await withLiveServer(configure: { $0.failedAuthenticationLimit = RateLimit(requestsPerMinute: 1, burst: 3) }) { client, _, admin in
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<5 {
                let guess = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer("vpt_guess\(attempt)"))
                statuses.append(guess.status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
            let limited = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer(admin))
            #expect(limited.status == .tooManyRequests, "a right guess learns nothing while limited")
            #expect(try limited.json["code"] as? String == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Public reads are not behind authentication and go on.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }
}
