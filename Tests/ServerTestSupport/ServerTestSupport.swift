import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Storage
import Testing

/// A Voltpass server on a fresh SQLite store in a temporary data directory, tested over real HTTP on
/// loopback (see `testOverLoopback`). The directory is removed afterwards.
public func withLiveServer<Value: Sendable>(
    maxBodySize: Int = 1 << 20, storeKind: String = "sqlite", logger: Logger? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ test: @Sendable (_ client: LoopbackClient, _ server: VoltpassServer, _ adminToken: String) async throws -> Value
) async throws -> Value {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-server-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var configuration = ServerConfiguration(
        dataDirectory: directory, port: 0, publicHost: "localhost:8080", maxBodySize: maxBodySize)
    configuration.connectionLimits = testConnectionLimits
    configure(&configuration)
    var storeConfiguration = StoreConfiguration(dataDirectory: directory)
    if storeKind == "postgresql", let url = ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"] {
        storeConfiguration = .postgres(url: url, schema: "server_\(UUID().uuidString.prefix(8).lowercased())")
    }
    return try await storeConfiguration.withStore { store in
        let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
        guard let adminToken = report.adminToken else { throw TestSetupError("the first start created no admin token") }
        var quiet = Logger(label: "voltpass-test")
        quiet.logLevel = .warning
        return try await server.testOverLoopback(logger: logger ?? quiet) { client in
            try await test(client, server, adminToken)
        }
    }
}

/// The connection limits of test servers: the test client connects when the server starts and keeps
/// its one connection through the whole test, however long the work between its requests, so the
/// waits for a request head are an hour; tests of the limits set their own.
public let testConnectionLimits = ConnectionLimits(headerReadTimeout: .seconds(3600), idleTimeout: .seconds(3600))

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension HTTPFields {
    /// `Authorization: Bearer <token>`.
    public static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

extension LoopbackResponse {
    /// The body parsed with Foundation's JSON reader (independent of the server's own serializer).
    public var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
            guard let dictionary = object as? [String: Any] else { throw TestSetupError("the body is not a JSON object") }
            return dictionary
        }
    }
}

/// What a passport verification response says.
public struct VerificationOutcome {
    public let verdict: String
    public let codes: [String]
    public let owner: String?
}

/// GETs `path` as JSON and reads the verdict, the failure codes and the owner (which only a
/// `token` acting for the battery's operator, or a role credential, sees).
public func verifyOverHTTP(_ client: LoopbackClient, _ path: String, token: HTTPFields = [:]) async throws -> VerificationOutcome {
    var headers: HTTPFields = [.accept: "application/json"]
    headers.append(contentsOf: token)
    let response = try await client.execute(uri: path, method: .get, headers: headers)
    #expect(response.status == .ok)
    let json = try response.json
    let failures = try #require(json["failures"] as? [[String: Any]])
    let passport = json["passport"] as? [String: Any]
    return VerificationOutcome(
        verdict: json["verdict"] as? String ?? "", codes: failures.compactMap { $0["code"] as? String },
        owner: passport?["owner"] as? String)
}

/// The stores the tests run on: SQLite, and PostgreSQL when `VOLTPASS_POSTGRES_URL` is set.
public var testedStores: [String] {
    ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"] == nil ? ["sqlite"] : ["sqlite", "postgresql"]
}

extension LoopbackClient {
    /// Creates a token through the admin API and returns its secret. `operators` are names, DIDs or
    /// `instance` (the instance's own DID).
    public func createToken(role: String = "issuer", operators: [String], admin: String) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["role": role, "operators": operators])
        let created = try await execute(uri: "/admin/tokens", method: .post, headers: .bearer(admin), body: ByteBuffer(bytes: body))
        guard created.status == .created, let secret = try created.json["token"] as? String else {
            throw TestSetupError("creating a \(role) token for \(operators) answered \(created.status): \(String(buffer: created.body))")
        }
        return secret
    }

    /// Registers the operator `name` owning `companyPrefixes` and returns an issuer token acting for it.
    public func registerOperator(_ name: String, companyPrefixes: [String] = ["4012345"], admin: String) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "companyPrefixes": companyPrefixes])
        let registered = try await execute(uri: "/operators", method: .post, headers: .bearer(admin), body: ByteBuffer(bytes: body))
        guard registered.status == .created else {
            throw TestSetupError("registering \(name) answered \(registered.status): \(String(buffer: registered.body))")
        }
        return try await createToken(operators: [name], admin: admin)
    }
}
