import Encoding
import Foundation
import VectorSupport
import Identity
import Passport
import Storage
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The PostgreSQL server the several-instance tests create their databases on.
private let sharedPostgresURL = ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Three `voltpass serve` processes on one PostgreSQL database, clients spread over them, and the
/// anchoring leader killed with SIGKILL mid-load: every batch a client sent completes exactly once
/// (re-sent to another instance with its Idempotency-Key when its instance died), another instance
/// takes the anchoring lease over, and there is one anchor history with no root anchored twice.
@Suite(.enabled(if: sharedPostgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true", "VOLTPASS_POSTGRES_URL is not set"))
struct ThreeInstancesKillTests {
    static let (clients, batches, devicesPerBatch) = (3, 9, 25)

    @Test func theLeaderKilledMidLoadLosesNothingAndItsLeaseIsTakenOver() async throws {
        let serverURL = try #require(sharedPostgresURL, "CI=true but VOLTPASS_POSTGRES_URL is not set")
        let database = "voltpass_three_\(UUID().uuidString.prefix(8).lowercased())"
        try Self.psql(serverURL, "CREATE DATABASE \(database)")
        defer { _ = try? Self.psql(serverURL, "DROP DATABASE \(database) WITH (FORCE)") }
        let url = try Self.replacingDatabase(in: serverURL, with: database)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-three-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directories = (0..<3).map { root.appendingPathComponent("instance-\($0)") }
        for directory in directories { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let options = ["--postgres", url, "--public-host", "localhost:8080", "--anchor-interval", "1"]

        // The first instance creates the operator key; the others share its keys folder.
        var servers = [try ServeProcess(dataDirectory: directories[0], port: try CLI.freePort(), options: options)]
        try await servers[0].waitUntilListening()
        for directory in directories.dropFirst() {
            try FileManager.default.createSymbolicLink(
                at: directory.appendingPathComponent("keys"), withDestinationURL: directories[0].appendingPathComponent("keys"))
            servers.append(try ServeProcess(dataDirectory: directory, port: try CLI.freePort(), options: options))
        }
        defer { for server in servers where server.process.isRunning { server.process.terminate() } }
        for server in servers.dropFirst() { try await server.waitUntilListening() }
        let ports = servers.map(\.port)
        let adminToken = try #require(servers[0].output.firstMatch(of: /vpt_[A-Za-z0-9_-]+/).map { String($0.output) })
        let registered = try await servers[1].request(
            "POST", "/operators", body: #"{"name":"packmaker","companyPrefixes":["4012345"]}"#, token: adminToken)
        let operatorID = try #require(registered.body["id"] as? String)
        let created = try await servers[2].request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["packmaker"]}"#, token: adminToken)
        let token = try #require(created.body["token"] as? String)

        // The leader: the instance holding the anchoring lease (holders are named by their data directory).
        let leader = try await Self.leaseHolder(url, among: directories, waitingUntil: { _ in true })
        let dead = Dead()
        let keys = (0..<5).map { _ in SoftwareSigner.generate(.ed25519) }
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<Self.clients {
                    group.addTask {
                        var instance = client
                        for batch in 0..<Self.batches {
                            let lot = "LOT-\(client)-\(batch)"
                            let body = Self.batch(lot: lot, keys: keys)
                            // Re-sent with the same key to the next instance while the one it went to is dead.
                            while true {
                                if await !dead.contains(instance), let status = try? await Self.send(body, port: ports[instance], token: token, key: lot) {
                                    #expect(status == 201, "\(lot) on instance \(instance)")
                                    await dead.acknowledge()
                                    break
                                }
                                instance = (instance + 1) % ports.count
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Killed with a third of the batches acknowledged.
        while await dead.acknowledged < Self.clients * Self.batches / 3 { try await Task.sleep(for: .milliseconds(20)) }
        await dead.insert(leader)
        #expect(try await servers[leader].stop(signal: SIGKILL) == SIGKILL)
        try await load.value

        // Another instance holds the lease (the dead one's lasts 1.5 s; a live one looks every 0.5 s).
        let successor = try await Self.leaseHolder(url, among: directories, waitingUntil: { $0 != leader })
        #expect(successor != leader)
        let live = (0..<3).filter { $0 != leader }

        // Every batch is there once: its devices, and one commissioning event.
        let stored = try await StoreConfiguration.postgres(url: url).withStore { store async throws in
            var counts: [String: Int] = [:]
            for client in 0..<Self.clients {
                for batch in 0..<Self.batches {
                    let lot = "LOT-\(client)-\(batch)"
                    counts[lot] = try await store.devices(operator: operatorID, matching: .lot(lot)).count
                }
            }
            return counts
        }
        #expect(stored.count == Self.clients * Self.batches && stored.values.allSatisfy { $0 == Self.devicesPerBatch }, "\(stored)")
        for client in 0..<Self.clients {
            let events = try await ProvisioningKillTests.commissioningEvents(port: ports[live[client % 2]], serial: "LOT-\(client)-0-0")
            #expect(events == 1, "LOT-\(client)-0")
        }

        // The successor anchors the final root; both live instances read one history, no root twice.
        let encodedID = try #require(operatorID.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let trieRoot = try #require(try await servers[live[0]].request("GET", "/operators/\(encodedID)/trie/root").body["root"] as? String)
        var history: [[String: Any]] = []
        for _ in 0..<100 {
            history = try await servers[live[1]].request("GET", "/operators/packmaker/anchors").body["anchors"] as? [[String: Any]] ?? []
            if history.first?["root"] as? String == trieRoot { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(history.first?["root"] as? String == trieRoot, "the successor anchors the final root")
        let other = try await servers[live[0]].request("GET", "/operators/packmaker/anchors").body["anchors"] as? [[String: Any]] ?? []
        #expect(other.compactMap { $0["transaction"] as? String } == history.compactMap { $0["transaction"] as? String })
        let roots = history.compactMap { $0["root"] as? String }
        #expect(Set(roots).count == roots.count, "no root anchored twice")
        for index in live { #expect(try await servers[index].stop(signal: SIGTERM) == 0) }
    }

    /// Instances the test killed, so clients stop sending to them, and the batches acknowledged so far.
    actor Dead {
        private var instances: Set<Int> = []
        private(set) var acknowledged = 0
        func acknowledge() { acknowledged += 1 }
        func insert(_ instance: Int) { instances.insert(instance) }
        func contains(_ instance: Int) -> Bool { instances.contains(instance) }
    }

    static func batch(lot: String, keys: [SoftwareSigner]) -> [UInt8] {
        ProvisioningKillTests.batch(lot: lot, keys: keys, count: devicesPerBatch)
    }

    static func send(_ body: [UInt8], port: Int, token: String, key: String) async throws -> Int {
        try await ProvisioningKillTests.send(body, port: port, token: token, key: key)
    }

    /// The index of the instance (by data directory) holding the anchoring lease once `accept` takes
    /// it (waiting up to 15 s).
    static func leaseHolder(_ url: String, among directories: [URL], waitingUntil accept: (Int) -> Bool) async throws -> Int {
        for _ in 0..<150 {
            let holder = try psql(url, "SELECT holder FROM leases WHERE name = 'anchoring'")
            if let index = directories.firstIndex(where: { holder.hasSuffix(":" + $0.standardizedFileURL.path) }), accept(index) {
                return index
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIError("no accepted instance took the anchoring lease")
    }

    /// Runs one SQL statement with psql; returns its unaligned output.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", url, "-c", sql]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIError("psql failed: \(sql)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func replacingDatabase(in url: String, with database: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw CLIError("bad URL") }
        components.path = "/" + database
        guard let replaced = components.string else { throw CLIError("bad URL") }
        return replaced
    }
}
