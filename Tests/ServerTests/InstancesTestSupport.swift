import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Passport
import Server
import ServerTestSupport
import Storage
import Testing

/// Several Voltpass instances on one database, each over real HTTP on loopback: on SQLite they
/// share the database file, on PostgreSQL one schema. Each has a data directory of its own (its
/// ledger) whose `keys/` is the first instance's, as the README asks of instances sharing a database.
struct Instances: Sendable {
    let clients: [LoopbackClient]
    let servers: [VoltpassServer]
    let adminToken: String
    /// The first instance's data directory (the database file on SQLite).
    let dataDirectory: URL
    let storeConfiguration: StoreConfiguration
}

/// Runs `test` with `count` instances (1 to 3) on a fresh database of `storeKind`. `faults` is
/// injected into every instance, and `configure` changes every instance's configuration.
func withInstances<Value: Sendable>(
    _ count: Int, storeKind: String, faults: any FaultInjector = NoFaults(), configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
    _ test: @Sendable (Instances) async throws -> Value
) async throws -> Value {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-instances-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let directories = (0..<count).map { root.appendingPathComponent("instance-\($0)") }
    for directory in directories { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    try FileManager.default.createDirectory(at: directories[0].appendingPathComponent("keys"), withIntermediateDirectories: true)
    for directory in directories.dropFirst() {
        try FileManager.default.createSymbolicLink(
            at: directory.appendingPathComponent("keys"), withDestinationURL: directories[0].appendingPathComponent("keys"))
    }
    let storeConfiguration: StoreConfiguration
    if storeKind == "postgresql" {
        let url = try #require(ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"])
        storeConfiguration = .postgres(url: url, schema: "instances_\(UUID().uuidString.prefix(8).lowercased())")
    } else {
        storeConfiguration = StoreConfiguration(dataDirectory: directories[0])
    }
    let logger = {
        var logger = Logger(label: "voltpass-test")
        logger.logLevel = .warning
        return logger
    }()

    @Sendable func start(_ index: Int, _ clients: [LoopbackClient], _ servers: [VoltpassServer], _ admin: String?) async throws -> Value {
        guard index < count else {
            return try await test(
                Instances(
                    clients: clients, servers: servers, adminToken: try #require(admin), dataDirectory: directories[0],
                    storeConfiguration: storeConfiguration))
        }
        var configuration = ServerConfiguration(
            dataDirectory: directories[index], port: 0, publicHost: "localhost:8080", maxBodySize: 1 << 20, anchorInterval: nil,
            connectionLimits: testConnectionLimits)
        configure(&configuration)
        return try await storeConfiguration.withStore { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store, faults: faults)
            defer { Task { await server.close() } }
            return try await server.testOverLoopback(logger: logger) { client in
                try await start(index + 1, clients + [client], servers + [server], admin ?? report.adminToken)
            }
        }
    }
    return try await start(0, [], [], nil)
}

extension LoopbackClient {
    /// POSTs a JSON object with the bearer token (and an idempotency key when given).
    func post(_ path: String, _ body: JSONObject, token: String, idempotencyKey: String? = nil) async throws -> LoopbackResponse {
        var headers = HTTPFields.bearer(token)
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await execute(uri: path, method: .post, headers: headers, body: jsonBody(body))
    }
}

/// Verifies `serials` through `POST /verify/batch` (100 a request, so a loaded machine answers each
/// well within the client's read timeout) and returns each verdict by serial.
func verdicts(_ client: LoopbackClient, _ serials: [String]) async throws -> [String: (verdict: String, codes: [String])] {
    var verdicts: [String: (String, [String])] = [:]
    for start in stride(from: 0, to: serials.count, by: 100) {
        let items = serials[start..<min(start + 100, serials.count)]
        let response = try await client.execute(
            uri: "/verify/batch", method: .post, headers: [.contentType: "application/json"],
            body: jsonBody(["items": .array(items.map(JSONValue.string))]))
        #expect(response.status == .ok)
        for result in try #require(try response.json["results"] as? [[String: Any]]) {
            let codes = (result["failures"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            verdicts[result["item"] as? String ?? ""] = (result["verdict"] as? String ?? "", codes)
        }
    }
    return verdicts
}
