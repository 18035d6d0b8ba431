import Foundation
import Hummingbird
import Ledger
import Metrics
import Passport
import Prometheus
import Storage

/// The process's metrics in Prometheus text format. swift-metrics is bootstrapped once per process
/// with a Prometheus registry, so Hummingbird's `MetricsMiddleware` (requests and latency by route,
/// method and status) and Voltpass's own counters (verdicts by code) land in it; the state of the
/// operators (anchoring lag, last anchored slot, pending readings) and the use of the database
/// connection pool are read when scraped.
public enum VoltpassMetrics {
    /// The registry every instance in this process reports to.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Counts one verification: its verdict, and each failure code.
    static func record(_ verification: PassportVerification) {
        Counter(label: "voltpass_verifications_total", dimensions: [("verdict", verification.verdict.rawValue)]).increment()
        for code in verification.failureCodes {
            Counter(label: "voltpass_verification_failures_total", dimensions: [("code", code)]).increment()
        }
    }
}

/// `GET /metrics`: the registry in Prometheus text format, with the pool's and the operators' gauges read now.
struct MetricsRoutes {
    let passports: PassportService
    let store: any VoltpassStore

    func add(to router: Router<VoltpassRequestContext>) {
        router.get("metrics") { _, _ -> Response in
            updatePoolGauges()
            try await updateOperatorGauges()
            return .bytes(VoltpassMetrics.registry.emitToBuffer(), headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"])
        }
    }

    /// The store's connections in use and the most it opens, and its operations waiting for one, by backend.
    private func updatePoolGauges() {
        let use = store.poolUse
        let labels = [("backend", use.backend)]
        let registry = VoltpassMetrics.registry
        registry.makeGauge(name: "voltpass_database_connections_in_use", labels: labels).set(Double(use.connectionsInUse))
        registry.makeGauge(name: "voltpass_database_connections_max", labels: labels).set(Double(use.maximumConnections))
        registry.makeGauge(name: "voltpass_database_operations_waiting", labels: labels).set(Double(use.waiting))
    }

    /// Per operator: how long its trie has moved without being anchored (0 when its latest root is
    /// anchored), the slot of its last anchor, and its readings waiting for a batch.
    private func updateOperatorGauges() async throws {
        let registry = VoltpassMetrics.registry
        let now = passports.now()
        for record in try await passports.store.operators() {
            let labels = [("operator", record.name)]
            let anchor = try await passports.ledger.currentAnchor(operator: record.id)
            let history = (try? await passports.tries.history(operator: record.id, limit: 100)) ?? []
            let unanchored = history.prefix { $0.root != anchor?.root }
            let lag = unanchored.last.map { max(0, now.timeIntervalSince($0.committedAt)) } ?? 0
            registry.makeGauge(name: "voltpass_anchor_lag_seconds", labels: labels).set(lag)
            registry.makeGauge(name: "voltpass_last_anchored_slot", labels: labels).set(Double(anchor?.slot ?? 0))
            let pending = try await passports.ledger.pendingReadings(operator: record.id).count
            registry.makeGauge(name: "voltpass_pending_readings", labels: labels).set(Double(pending))
        }
    }
}
