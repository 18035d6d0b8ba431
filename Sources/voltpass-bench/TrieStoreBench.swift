import Foundation
import Storage
import Trie

/// The persisted trie: `key-i` → `value-i` inserted through ``OperatorTries`` into the SQLite store
/// in batches of 10,000 (each batch one transaction and one commit in the root history), then disk
/// bytes per key, proof generation from the store and proof sizes. Sizes: 10⁵ keys by default;
/// set `VOLTPASS_BENCH_STORE_KEYS` to a comma-separated list (e.g. `100000,1000000,10000000`) for
/// larger tries — 10⁷ takes long and about 2 GB of disk in the temporary directory.
extension Suite {
    static let trieStore: [Suite] = TrieStoreFixtures.sizes.flatMap { count in
        let label = "10^\(Int(log10(Double(count)).rounded()))"
        return [
            Suite(name: "trie.sqlite.build-\(label)-batches-10k") { _ in
                try await TrieStoreFixtures.shared.trie(count: count).building
            },
            Suite(name: "trie.sqlite.insert-into-\(label)-batches-10k") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(count: count)
                return try await TrieStoreFixtures.insertMore(into: fixture, label: label)
            },
            Suite(name: "trie.sqlite.prove-\(label)") { seconds in
                let fixture = try await TrieStoreFixtures.shared.trie(count: count)
                var index = 0
                return try await measure("trie.sqlite prove, opening the trie at its root per proof (\(label) keys)", minimumSeconds: seconds) {
                    index = (index &+ 7919) % count
                    return try await fixture.tries.proof(for: TrieFixtures.key(index), operator: TrieStoreFixtures.operatorID).proof.steps.count
                }
            },
            Suite(name: "trie.sqlite.proof-size-\(label)") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(count: count)
                var sizes: [Int] = []
                for index in stride(from: 0, to: count, by: max(1, count / 2000)) {
                    sizes.append(try await fixture.tries.proof(for: TrieFixtures.key(index), operator: TrieStoreFixtures.operatorID).proof.cbor().count)
                }
                let mean = Double(sizes.reduce(0, +)) / Double(sizes.count)
                let name = String(format: "trie.sqlite proof size (%@ keys): mean %.0f B, max %d B, min %d B", label, mean, sizes.max()!, sizes.min()!)
                return Measurement(operation: name, count: sizes.count, seconds: 1, bytesPerOperation: nil)
            },
            // Last for its size: also removes the database.
            Suite(name: "trie.sqlite.disk-\(label)") { _ in
                let fixture = try await TrieStoreFixtures.shared.trie(count: count)
                await TrieStoreFixtures.shared.remove(count: count)
                let (database, wal) = fixture.diskAfterBuilding
                let name = String(
                    format: "trie.sqlite disk after building (%@ keys): %.0f B/key (database %.1f MB, WAL %.1f MB)", label,
                    Double(database) / Double(count), Double(database) / 1e6, Double(wal) / 1e6)
                return Measurement(operation: name, count: count, seconds: 1, bytesPerOperation: nil)
            },
        ]
    }
}

/// SQLite tries built once per size in a temporary directory.
actor TrieStoreFixtures {
    static let shared = TrieStoreFixtures()
    static let operatorID = "did:web:bench.example"
    static let sizes: [Int] = ProcessInfo.processInfo.environment["VOLTPASS_BENCH_STORE_KEYS"].map {
        $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    } ?? [100_000]

    struct Fixture: Sendable {
        let directory: URL
        let tries: OperatorTries
        let building: Measurement
        /// Sizes in bytes of the database file and its WAL right after building.
        let diskAfterBuilding: (database: Int, wal: Int)
    }

    private var built: [Int: Fixture] = [:]

    func trie(count: Int) async throws -> Fixture {
        if let fixture = built[count] { return fixture }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-trie-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try await SQLiteTrieStore.open(migrating: directory.appendingPathComponent("voltpass.sqlite").path)
        let tries = OperatorTries(store: store)
        let clock = ContinuousClock()
        let began = clock.now
        for start in stride(from: 0, to: count, by: 10_000) {
            try await tries.apply(
                (start..<min(start + 10_000, count)).map { .insert(key: TrieFixtures.key($0), value: TrieFixtures.value($0)) },
                operator: Self.operatorID)
        }
        let building = Measurement(
            operation: "trie.sqlite insert, building 0 → \(count) keys in batches of 10,000", count: count,
            seconds: Self.seconds(clock.now - began), bytesPerOperation: nil)
        func size(_ name: String) -> Int {
            (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int) ?? 0
        }
        let fixture = Fixture(
            directory: directory, tries: tries, building: building,
            diskAfterBuilding: (size("voltpass.sqlite"), size("voltpass.sqlite-wal")))
        built[count] = fixture
        return fixture
    }

    func remove(count: Int) {
        guard let fixture = built.removeValue(forKey: count) else { return }
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    /// Inserts 100,000 new keys in batches of 10,000, timed, then deletes them again (untimed).
    static func insertMore(into fixture: Fixture, label: String) async throws -> Measurement {
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
        return Measurement(
            operation: "trie.sqlite insert into \(label) keys, batches of 10,000", count: keys.count, seconds: seconds(elapsed),
            bytesPerOperation: nil)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
