import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import ServerTestSupport
import Testing

/// `GET /metrics` read by an independent parser (the Prometheus project's Python client).
@Suite struct MetricsTests {
    /// The samples of a Prometheus text document as `name{label="value",…} value` lines, sorted,
    /// as parsed by `prometheus_client`.
    static func parsed(_ text: String) throws -> [String: Double] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    samples[f"{s.name}{{{labels}}}"] = s.value
            print(json.dumps(samples))
            """
        let output = try runTool("/usr/bin/env", ["python3", "-c", script, file.path])
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
    }

    @Test("requests by route and status, verdicts by code, anchoring per operator, pending readings")
    func prometheusText() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            let issuer = try await client.registerOperator("metered", companyPrefixes: ["4012345"], admin: admin)
            let device = PassportFixtures.device(serial: "M-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "metered", "device": .object(device)], token: issuer).status == .created)
            let unanchored = try Self.parsed(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect((unanchored[#"voltpass_anchor_lag_seconds{operator="metered"}"#] ?? -1) >= 0)
            #expect(unanchored[#"voltpass_last_anchored_slot{operator="metered"}"#] == 0)
            let anchor = try await client.post("/operators/metered/anchor", [:], token: issuer)
            #expect(anchor.status == .ok)
            let anchoredSlot = try #require(try anchor.json["slot"] as? Double)
            #expect(try await verifyOverHTTP(client, "/verify/device/M-1").verdict == "green")
            #expect(try await verifyOverHTTP(client, "/verify/device/M-404").verdict == "red")

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try Self.parsed(String(buffer: response.body))
            #expect((samples[#"voltpass_verifications_total{verdict="green"}"#] ?? 0) >= 1)
            #expect((samples[#"voltpass_verification_failures_total{code="unknown_device"}"#] ?? 0) >= 1)
            #expect(samples[#"voltpass_anchor_lag_seconds{operator="metered"}"#] == 0, "anchored: no lag")
            #expect(samples[#"voltpass_last_anchored_slot{operator="metered"}"#] == anchoredSlot)
            #expect(samples[#"voltpass_pending_readings{operator="metered"}"#] == 0)
            let verifyRequests = samples.filter { $0.key.hasPrefix("hb_requests_total{") && $0.key.contains("/verify/device/") && $0.key.contains(#"http_response_status_code="200""#) }
            #expect(verifyRequests.values.reduce(0, +) >= 2, "\(samples.keys.filter { $0.hasPrefix("hb_requests") })")
            #expect(samples.keys.contains { $0.hasPrefix("http_server_request_duration") }, "latency histogram")
        }
    }

    @Test("database pool use by backend: connections in use and their maximum, operations waiting", arguments: testedStores)
    func databasePoolUse(storeKind: String) async throws {
        try await withLiveServer(storeKind: storeKind, configure: { $0.anchorInterval = nil }) { client, _, _ in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let samples = try Self.parsed(String(buffer: response.body))
            let labels = #"{backend="\#(storeKind)"}"#
            // SQLite: 5 readers and the writer; PostgreSQL: PostgresNIO's default pool.
            let maximum = storeKind == "sqlite" ? 6.0 : Double(max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))
            #expect(samples["voltpass_database_connections_max" + labels] == maximum, "\(samples.keys.filter { $0.hasPrefix("voltpass_database") })")
            let inUse = try #require(samples["voltpass_database_connections_in_use" + labels])
            #expect((0...maximum).contains(inUse))
            #expect((samples["voltpass_database_operations_waiting" + labels] ?? -1) >= 0)
        }
    }
}
