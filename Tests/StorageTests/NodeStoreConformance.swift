import Encoding
import Foundation
import Storage
import Testing
import Trie
import VectorSupport

/// The behaviour every `OperatorTrieStore` must have, run against SQLite and (when configured)
/// PostgreSQL by the suites below.
struct NodeStoreConformance {
    let database: any TestDatabase

    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (NodeStoreConformance) async throws -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "an operator without a trie has no root, nodes or history") { try await $0.unknownOperator() },
        Check(name: "a batch stores its nodes, moves the root and records a commit") { try await $0.batchIsRecorded() },
        Check(name: "a batch from an outdated root is root_conflict and changes nothing") { try await $0.rootConflict() },
        Check(name: "a read-only view refuses to write") { try await $0.readOnlyView() },
        Check(name: "operators have separate node namespaces") { try await $0.namespaces() },
        Check(name: "the fruits trie through the store has the published root and proofs") { try await $0.fruits() },
        Check(name: "batches match an in-memory trie; old roots still check old proofs") { try await $0.history() },
        Check(name: "a refused mutation leaves the store unchanged") { try await $0.refusedMutation() },
        Check(name: "a stored root of the wrong length is storage_corrupt") { try await $0.corruptRoot() },
        Check(name: "nodes stored by hash before migration 5 stay readable until batches replace them") { try await $0.legacyNodes() },
        Check(name: "two services on one store take turns: each picks up the other's commits") { try await $0.twoWriters() },
    ]

    static let time = Date(timeIntervalSince1970: 1_700_000_000.5)

    /// Opens the trie store on the test database (migrating it), runs `body`, closes it.
    func withTries<Result: Sendable>(_ body: (any OperatorTrieStore) async throws -> Result) async throws -> Result {
        switch database {
        case let sqlite as SQLiteTestDatabase:
            return try await body(SQLiteTrieStore.open(migrating: sqlite.path))
        case let postgres as PostgresTestDatabase:
            return try await PostgresTrieStore.withStore(url: postgres.url, schema: postgres.schema, logger: PostgresTestDatabase.logger) {
                try await body($0)
            }
        default:
            throw TrieTestError("no trie store for \(type(of: database))")
        }
    }

    static func hash(_ byte: UInt8) -> Hash32 { Hash32(bytes: [UInt8](repeating: byte, count: 32))! }

    /// The node with hash `byte`×32 at the root, or in slot `slot` below it.
    static func ref(_ byte: UInt8, slot: UInt8? = nil) -> NodeRef {
        NodeRef(position: slot.map { NodePosition.root.appending($0) } ?? .root, hash: hash(byte))
    }

    func unknownOperator() async throws {
        try await withTries { tries async throws in
            let nodes = tries.nodeStore(operator: "did:web:nobody.example", recording: nil)
            #expect(try await nodes.root() == nil)
            #expect(try await nodes.node(Self.ref(1)) == nil)
            #expect(try await nodes.nodes([Self.ref(1), Self.ref(2, slot: 2)]).isEmpty)
            #expect(try await tries.history(operator: "did:web:nobody.example", limit: 10).isEmpty)
            await expectCode("operator_not_found") {
                try await OperatorTries(store: tries).proof(for: Array("a".utf8), operator: "did:web:nobody.example")
            }
        }
    }

    func batchIsRecorded() async throws {
        try await withTries { tries async throws in
            let writer = tries.nodeStore(operator: "op", recording: PendingCommit(time: Self.time, changes: 3, keyDelta: 2))
            // Opaque bytes come back unchanged, including NUL and 0xFF.
            let puts = [
                NodePut(ref: Self.ref(1), bytes: [0x01, 0x00, 0xFF]), NodePut(ref: Self.ref(2, slot: 2), bytes: [0x02]),
                NodePut(ref: Self.ref(4, slot: 4), bytes: [0x04]),
            ]
            try await writer.apply(NodeBatch(previousRoot: nil, root: Self.hash(1), puts: puts, deletes: []))
            #expect(try await writer.root() == Self.hash(1))
            #expect(try await writer.node(Self.ref(1)) == [0x01, 0x00, 0xFF])
            #expect(
                try await writer.nodes([Self.ref(1), Self.ref(2, slot: 2), Self.ref(3, slot: 3), Self.ref(2, slot: 4)])
                    == [Self.ref(1): [0x01, 0x00, 0xFF], Self.ref(2, slot: 2): [0x02]])

            let second = tries.nodeStore(operator: "op", recording: PendingCommit(time: Self.time.addingTimeInterval(60), changes: 1, keyDelta: -1))
            // A put replaces the node at its position (deleted or not); other deletes empty theirs.
            try await second.apply(
                NodeBatch(
                    previousRoot: Self.hash(1), root: Self.hash(3), puts: [NodePut(ref: Self.ref(3), bytes: [3])],
                    deletes: [Self.ref(1), Self.ref(4, slot: 4)]))
            #expect(try await second.node(Self.ref(1)) == nil)
            #expect(try await second.node(Self.ref(3)) == [3])
            #expect(try await second.node(Self.ref(2, slot: 2)) == [0x02])
            #expect(try await second.node(Self.ref(4, slot: 4)) == nil)
            let history = try await tries.history(operator: "op", limit: 10)
            #expect(history == [
                TrieCommit(sequence: 2, root: Self.hash(3), committedAt: Self.time.addingTimeInterval(60), changes: 1, keyCount: 1),
                TrieCommit(sequence: 1, root: Self.hash(1), committedAt: Self.time, changes: 3, keyCount: 2),
            ])
            #expect(try await tries.history(operator: "op", limit: 1).map(\.sequence) == [2])
            await expectCode("invalid_value") { try await tries.history(operator: "op", limit: -1) }
        }
    }

    func rootConflict() async throws {
        try await withTries { tries async throws in
            let writer = tries.nodeStore(operator: "op", recording: PendingCommit(time: Self.time, changes: 1, keyDelta: 1))
            try await writer.apply(NodeBatch(previousRoot: nil, root: Self.hash(1), puts: [NodePut(ref: Self.ref(1), bytes: [1])], deletes: []))
            for stale in [nil, Self.hash(9)] {
                await expectCode("root_conflict") {
                    try await writer.apply(
                        NodeBatch(previousRoot: stale, root: Self.hash(2), puts: [NodePut(ref: Self.ref(2), bytes: [2])], deletes: [Self.ref(1)]))
                }
            }
            #expect(try await writer.root() == Self.hash(1))
            #expect(try await writer.node(Self.ref(1)) == [1])
            #expect(try await writer.node(Self.ref(2)) == nil)
            #expect(try await tries.history(operator: "op", limit: 10).count == 1)
        }
    }

    func readOnlyView() async throws {
        try await withTries { tries async throws in
            let reader = tries.nodeStore(operator: "op", recording: nil)
            await expectCode("trie_read_only") {
                try await reader.apply(NodeBatch(previousRoot: nil, root: Self.hash(1), puts: [], deletes: []))
            }
            #expect(try await reader.root() == nil)
        }
    }

    func namespaces() async throws {
        try await withTries { tries async throws in
            let commit = PendingCommit(time: Self.time, changes: 1, keyDelta: 1)
            let shared = NodePut(ref: Self.ref(7), bytes: [7])
            for name in ["did:web:a.example", "did:web:b.example"] {
                try await tries.nodeStore(operator: name, recording: commit)
                    .apply(NodeBatch(previousRoot: nil, root: Self.hash(7), puts: [shared], deletes: []))
            }
            try await tries.nodeStore(operator: "did:web:a.example", recording: PendingCommit(time: Self.time, changes: 1, keyDelta: -1))
                .apply(NodeBatch(previousRoot: Self.hash(7), root: .null, puts: [], deletes: [Self.ref(7)]))
            #expect(try await tries.nodeStore(operator: "did:web:a.example", recording: nil).node(Self.ref(7)) == nil)
            #expect(try await tries.nodeStore(operator: "did:web:a.example", recording: nil).root() == .null)
            #expect(try await tries.nodeStore(operator: "did:web:b.example", recording: nil).node(Self.ref(7)) == [7])
        }
    }

    func fruits() async throws {
        let vector = try #require(try Vectors.json("mpf/fruits.json") as? [String: Any])
        let items = try #require(vector["items"] as? [[String: Any]])
        let pairs = try items.map { item in
            (try #require(Vectors.bytes(hex: item["key"] as? String ?? "")), try #require(Vectors.bytes(hex: item["value"] as? String ?? "")))
        }
        try await withTries { tries async throws in
            let service = OperatorTries(store: tries, clock: { Self.time })
            // In three batches, so the trie is reopened from stored nodes between them.
            for batch in stride(from: 0, to: pairs.count, by: 10) {
                try await service.apply(pairs[batch..<min(batch + 10, pairs.count)].map { .insert(key: $0.0, value: $0.1) }, operator: "fruits")
            }
            let latest = try await service.latest(operator: "fruits")
            #expect(latest.root.hex == vector["root"] as? String)
            #expect(latest.keyCount == 30)
            for (item, (key, value)) in zip(items, pairs) {
                let proof = try await service.proof(for: key, operator: "fruits")
                #expect(proof.value == value)
                #expect(Vectors.hex(proof.proof.cbor()) == item["proof_cbor"] as? String)
            }
        }
    }

    func history() async throws {
        var random = SeededRandom(seed: 5)
        let keys = (0..<120).map { _ in random.bytes(count: 1 + Int(random.next() % 24)) }
        try await withTries { tries async throws in
            let service = OperatorTries(store: tries, residentDepth: 1, clock: { Self.time })
            let memory = try await MerkleTrie()
            var commits: [(TrieCommit, KeyProof)] = []
            var present: [[UInt8]] = []
            for round in 0..<4 {
                var mutations: [TrieMutation] = keys[(round * 30)..<(round * 30 + 30)].map { .insert(key: $0, value: Array("v\(round)".utf8)) }
                if round > 0 {
                    mutations += present.prefix(5).map { .delete(key: $0) }
                    mutations += present.dropFirst(5).prefix(5).map { .update(key: $0, value: Array("u\(round)".utf8)) }
                    present.removeFirst(5)
                }
                present += keys[(round * 30)..<(round * 30 + 30)]
                let commit = try await service.apply(mutations, operator: "op")
                let expected = try await memory.apply(mutations)
                #expect(commit.root == expected)
                #expect(commit.sequence == round + 1)
                #expect(commit.changes == mutations.count)
                #expect(commit.keyCount == present.count)
                commits.append((commit, try await service.proof(for: present[0], operator: "op")))
            }
            let history = try await service.history(operator: "op", limit: 100)
            #expect(history.map(\.root) == commits.reversed().map(\.0.root))
            for (commit, proof) in commits {
                #expect(proof.root == commit.root)
                #expect(proof.verifies(), "a proof against commit \(commit.sequence) still checks against its root")
            }
            // The service reads what the in-memory trie holds, key by key.
            for key in keys.prefix(40) {
                #expect(try await service.get(key, operator: "op") == (try await memory.get(key)))
            }
        }
    }

    func refusedMutation() async throws {
        try await withTries { tries async throws in
            let service = OperatorTries(store: tries, clock: { Self.time })
            let first = try await service.apply([.insert(key: [1], value: [1])], operator: "op")
            await expectCode("key_exists") {
                try await service.apply([.insert(key: [2], value: [2]), .insert(key: [1], value: [9])], operator: "op")
            }
            await expectCode("key_not_found") { try await service.apply([.delete(key: [3])], operator: "op") }
            await expectCode("empty_batch") { try await service.apply([], operator: "op") }
            #expect(try await service.history(operator: "op", limit: 10) == [first])
            #expect(try await service.get([2], operator: "op") == nil)
        }
    }

    func corruptRoot() async throws {
        try await withTries { tries async throws in
            _ = try await OperatorTries(store: tries, clock: { Self.time }).apply([.insert(key: [1], value: [1])], operator: "op")
        }
        try await database.execute("UPDATE trie_commits SET root = \(database is SQLiteTestDatabase ? "x'0102'" : "'\\x0102'::bytea")")
        try await withTries { tries async throws in
            await expectCode("storage_corrupt") { try await tries.history(operator: "op", limit: 1) }
            await expectCode("storage_corrupt") { try await tries.nodeStore(operator: "op", recording: nil).root() }
        }
    }
}

extension NodeStoreConformance {
    /// A database written before migration 5 kept nodes in `trie_nodes` by hash. Such a trie still
    /// reads and proves, takes batches (their new nodes go by position) and loses its old rows as
    /// batches replace them, until none are left.
    func legacyNodes() async throws {
        let vector = try #require(try Vectors.json("mpf/fruits.json") as? [String: Any])
        let pairs = try #require(vector["items"] as? [[String: Any]]).map { item in
            (try #require(Vectors.bytes(hex: item["key"] as? String ?? "")), try #require(Vectors.bytes(hex: item["value"] as? String ?? "")))
        }
        try await withTries { tries async throws in
            try await OperatorTries(store: tries, clock: { Self.time }).apply(pairs.map { .insert(key: $0.0, value: $0.1) }, operator: "op")
        }
        try await database.execute("INSERT INTO trie_nodes (trie, hash, node) SELECT trie, hash, node FROM trie_node_positions")
        try await database.execute("DELETE FROM trie_node_positions")
        await #expect(throws: (any Error).self) { try await expectEmpty("trie_nodes") }
        try await withTries { tries async throws in
            let service = OperatorTries(store: tries, residentDepth: 1, clock: { Self.time })
            #expect(try await service.latest(operator: "op").root.hex == vector["root"] as? String)
            for (key, value) in pairs.prefix(5) {
                let proof = try await service.proof(for: key, operator: "op")
                #expect(proof.value == value)
                #expect(proof.verifies())
            }
            let memory = try await MerkleTrie()
            try await memory.apply(pairs.map { .insert(key: $0.0, value: $0.1) })
            for chunk in stride(from: 0, to: pairs.count, by: 10) {
                let batch: [TrieMutation] = pairs[chunk..<(chunk + 10)].map { .delete(key: $0.0) } + [.insert(key: [UInt8(chunk)], value: [1])]
                #expect(try await service.apply(batch, operator: "op").root == (try await memory.apply(batch)))
            }
            try await service.apply((0..<3).map { .delete(key: [UInt8($0 * 10)]) }, operator: "op")
        }
        try await expectEmpty("trie_nodes")
        try await expectEmpty("trie_node_positions")
    }

    /// Two services (two instances of the application) write one trie in turns: each keeps its trie
    /// open between calls and reopens it when the other has moved the root, so no turn fails.
    func twoWriters() async throws {
        try await withTries { tries async throws in
            let services = [OperatorTries(store: tries, clock: { Self.time }), OperatorTries(store: tries, clock: { Self.time })]
            let memory = try await MerkleTrie()
            for turn in 0..<6 {
                let batch: [TrieMutation] = (0..<5).map { .insert(key: [UInt8(turn), UInt8($0)], value: [UInt8(turn)]) }
                let commit = try await services[turn % 2].apply(batch, operator: "op")
                #expect(commit.root == (try await memory.apply(batch)))
                #expect(commit.sequence == turn + 1)
                #expect(try await services[(turn + 1) % 2].get([UInt8(turn), 4], operator: "op") == [UInt8(turn)])
            }
        }
    }

    /// Throws when `table` has a row: copying one into `schema_migrations` would repeat version 1.
    private func expectEmpty(_ table: String) async throws {
        try await database.execute("INSERT INTO schema_migrations (version, name, applied_at) SELECT 1, 'probe', 0 FROM \(table) LIMIT 1")
    }
}

struct TrieTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Expects `body` to throw a coded error with `code`.
func expectCode(_ code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any) async {
    do {
        _ = try await body()
        Issue.record("expected an error with code \(code), got none", sourceLocation: sourceLocation)
    } catch let error as any CodedError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a coded error \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("SQLite trie store conformance")
struct SQLiteNodeStoreConformanceTests {
    @Test(arguments: NodeStoreConformance.checks)
    func conforms(_ check: NodeStoreConformance.Check) async throws {
        try await SQLiteTestDatabase.withFresh { try await check.run(NodeStoreConformance(database: $0)) }
    }
}

@Suite("PostgreSQL trie store conformance", .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresNodeStoreConformanceTests {
    @Test(arguments: NodeStoreConformance.checks)
    func conforms(_ check: NodeStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withFresh { try await check.run(NodeStoreConformance(database: $0)) }
    }
}
