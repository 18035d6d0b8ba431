import Foundation
import Storage
import Trie

/// The persisted trie: `key-i` → `value-i` inserted through ``OperatorTries`` in batches of 10,000
/// (each batch one transaction and one commit in the root history), then 100,000 more keys, proof
/// generation from the store, proof sizes and (SQLite) disk bytes per key.
///
/// - `trie.sqlite.*`: the embedded store in a temporary directory; 10⁵ keys by default, or the sizes
///   in `VOLTPASS_BENCH_STORE_KEYS` (comma-separated, e.g. `100000,1000000,10000000`; 10⁷ takes long
///   and about 2 GB of disk).
/// - `trie.postgres.*`: PostgreSQL at `VOLTPASS_POSTGRES_URL` (skipped without it), in a scratch
///   schema dropped afterwards; 10⁴ keys by default, or the sizes in `VOLTPASS_BENCH_POSTGRES_KEYS`.
extension Suite {
    static let trieStore: [Suite] =
        TrieStoreFixtures.sizes(.sqlite).flatMap { suites(.sqlite, count: $0) }
        + (TrieStoreFixtures.postgresURL.map { url in TrieStoreFixtures.sizes(.postgres(url)).flatMap { suites(.postgres(url), count: $0) } } ?? [])

    private static func suites(_ backend: TrieStoreFixtures.Backend, count: Int) -> [Suite] {
        let label = "10^\(Int(log10(Double(count)).rounded()))"
        let prefix = "trie.\(backend.name)"
        var suites = [
            Suite(name: "\(prefix).build-\(label)-batches-10k") { _ in
                try await TrieStoreFixtures.shared.trie(backend, count: count).building
            },
            Suite(name: "\(prefix).insert-into-\(label)-batches-10k") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(backend, count: count)
                return try await TrieStoreFixtures.insertMore(into: fixture, name: "\(prefix) insert into \(label) keys, batches of 10,000")
            },
            Suite(name: "\(prefix).prove-\(label)") { seconds in
                let fixture = try await TrieStoreFixtures.shared.trie(backend, count: count)
                var index = 0
                return try await measure("\(prefix) prove from the store (\(label) keys)", minimumSeconds: seconds) {
                    index = (index &+ 7919) % count
                    return try await fixture.tries.proof(for: TrieFixtures.key(index), operator: TrieStoreFixtures.operatorID).proof.steps.count
                }
            },
            Suite(name: "\(prefix).proof-size-\(label)") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(backend, count: count)
                var sizes: [Int] = []
                for index in stride(from: 0, to: count, by: max(1, count / 2000)) {
                    sizes.append(try await fixture.tries.proof(for: TrieFixtures.key(index), operator: TrieStoreFixtures.operatorID).proof.cbor().count)
                }
                let mean = Double(sizes.reduce(0, +)) / Double(sizes.count)
                let name = String(format: "%@ proof size (%@ keys): mean %.0f B, max %d B, min %d B", prefix, label, mean, sizes.max()!, sizes.min()!)
                return Measurement(operation: name, count: sizes.count, seconds: 1, bytesPerOperation: nil)
            },
        ]
        // Last for its size: also removes the database (or schema).
        suites.append(
            Suite(name: "\(prefix).\(backend.name == "sqlite" ? "disk" : "cleanup")-\(label)") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(backend, count: count)
                try await TrieStoreFixtures.shared.remove(backend, count: count)
                guard let (database, wal) = fixture.diskAfterBuilding else {
                    return Measurement(operation: "\(prefix) scratch schema dropped (\(label) keys)", count: 1, seconds: 1, bytesPerOperation: nil)
                }
                let name = String(
                    format: "%@ disk after building (%@ keys): %.0f B/key (database %.1f MB, WAL %.1f MB)", prefix, label,
                    Double(database) / Double(count), Double(database) / 1e6, Double(wal) / 1e6)
                return Measurement(operation: name, count: count, seconds: 1, bytesPerOperation: nil)
            })
        return suites
    }
}

/// Tries built once per backend and size: SQLite in a temporary directory, PostgreSQL in a scratch schema.
actor TrieStoreFixtures {
    static let shared = TrieStoreFixtures()
    static let operatorID = "did:web:bench.example"
    static let postgresURL = ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    enum Backend: Hashable, Sendable {
        case sqlite
        case postgres(String)

        var name: String {
            switch self {
            case .sqlite: "sqlite"
            case .postgres: "postgres"
            }
        }
    }

    static func sizes(_ backend: Backend) -> [Int] {
        let (variable, fallback) = backend == .sqlite ? ("VOLTPASS_BENCH_STORE_KEYS", 100_000) : ("VOLTPASS_BENCH_POSTGRES_KEYS", 10_000)
        return ProcessInfo.processInfo.environment[variable].map {
            $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        } ?? [fallback]
    }

    struct Fixture: Sendable {
        let tries: OperatorTries
        let building: Measurement
        /// SQLite: sizes in bytes of the database file and its WAL right after building.
        let diskAfterBuilding: (database: Int, wal: Int)?
        let remove: @Sendable () async throws -> Void
    }

    private struct Key: Hashable {
        let backend: Backend
        let count: Int
    }

    private var built: [Key: Fixture] = [:]

    func trie(_ backend: Backend, count: Int) async throws -> Fixture {
        if let fixture = built[Key(backend: backend, count: count)] { return fixture }
        let tries: OperatorTries
        let remove: @Sendable () async throws -> Void
        var disk: (@Sendable () -> (Int, Int))?
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-trie-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            tries = OperatorTries(store: try await SQLiteTrieStore.open(migrating: directory.appendingPathComponent("voltpass.sqlite").path))
            remove = { try FileManager.default.removeItem(at: directory) }
            disk = {
                func size(_ name: String) -> Int {
                    (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int) ?? 0
                }
                return (size("voltpass.sqlite"), size("voltpass.sqlite-wal"))
            }
        case .postgres(let url):
            let store = try PostgresStore(url: url, schema: "voltpass_bench_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))")
            try await store.migrate()
            let pool = Task { try await store.run() }
            tries = OperatorTries(store: PostgresTrieStore(beside: store))
            remove = {
                try await store.dropSchema()
                pool.cancel()
            }
        }
        let clock = ContinuousClock()
        let began = clock.now
        for start in stride(from: 0, to: count, by: 10_000) {
            try await tries.apply(
                (start..<min(start + 10_000, count)).map { .insert(key: TrieFixtures.key($0), value: TrieFixtures.value($0)) },
                operator: Self.operatorID)
        }
        let building = Measurement(
            operation: "trie.\(backend.name) insert, building 0 → \(count) keys in batches of 10,000", count: count,
            seconds: Self.seconds(clock.now - began), bytesPerOperation: nil)
        let fixture = Fixture(tries: tries, building: building, diskAfterBuilding: disk.map { $0() }, remove: remove)
        built[Key(backend: backend, count: count)] = fixture
        return fixture
    }

    func remove(_ backend: Backend, count: Int) async throws {
        guard let fixture = built.removeValue(forKey: Key(backend: backend, count: count)) else { return }
        try await fixture.remove()
    }

    /// Inserts 100,000 new keys in batches of 10,000, timed, then deletes them again (untimed).
    static func insertMore(into fixture: Fixture, name: String) async throws -> Measurement {
        let keys = (0..<100_000).map { Array("extra-\($0)".utf8) }
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for start in stride(from: 0, to: keys.count, by: 10_000) {
            let began = clock.now
            try await fixture.tries.apply(keys[start..<(start + 10_000)].map { .insert(key: $0, value: $0) }, operator: operatorID)
            elapsed += clock.now - began
        }
        for start in stride(from: 0, to: keys.count, by: 10_000) {
            try await fixture.tries.apply(keys[start..<(start + 10_000)].map { .delete(key: $0) }, operator: operatorID)
        }
        return Measurement(operation: name, count: keys.count, seconds: seconds(elapsed), bytesPerOperation: nil)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
