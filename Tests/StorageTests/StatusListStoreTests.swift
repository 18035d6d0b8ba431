import Credentials
import Encoding
import Foundation
import Identity
import Storage
import Testing

/// The behaviour every `StatusListRepository` must have, and the issuer-side `StatusListService` over
/// it, run against SQLite and (when `VOLTPASS_POSTGRES_URL` is set) PostgreSQL.
struct StatusListStoreConformance {
    let database: any TestDatabase

    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (StatusListStoreConformance) async throws -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "lists: create, read, refuse an existing id") { try await $0.createAndRead() },
        Check(name: "allocation: ranges in order, none when full, unknown list") { try await $0.allocation() },
        Check(name: "allocation: concurrent callers never share an index") { try await $0.concurrentAllocation() },
        Check(name: "allocation and bits survive reopening") { try await $0.survivesReopening() },
        Check(name: "bits: set, clear, revision only on change, range") { try await $0.bits() },
        Check(name: "bits: concurrent updates of one byte are all kept") { try await $0.concurrentBits() },
        Check(name: "two stores on one database: no shared index, no lost bit") { try await $0.twoInstances() },
        Check(name: "lists are the issuer's own: one id, two issuers, two lists") { try await $0.namespacedByIssuer() },
        Check(name: "the signed copy: kept only when newer, unpublished lists listed") { try await $0.publishedCopies() },
        Check(name: "service: random allocation without reuse across restarts") { try await $0.serviceAllocation() },
        Check(name: "service: revoke, suspend, reinstate and their rules") { try await $0.serviceUpdates() },
        Check(name: "service: the published credential verifies and is re-signed only on change") { try await $0.servicePublication() },
    ]

    static let time = Date(timeIntervalSince1970: 1_750_000_000)
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    /// Opens the status list store on the test database (migrating it), runs `body`, closes it.
    func withLists<Result: Sendable>(_ body: (any StatusListRepository) async throws -> Result) async throws -> Result {
        switch database {
        case let sqlite as SQLiteTestDatabase:
            return try await body(SQLiteStatusListStore.open(migrating: sqlite.path))
        case let postgres as PostgresTestDatabase:
            return try await PostgresStatusListStore.withStore(url: postgres.url, schema: postgres.schema, logger: PostgresTestDatabase.logger) {
                try await body($0)
            }
        default:
            throw StatusListError(.statusListNotFound, "no status list store for \(type(of: database))")
        }
    }

    /// Two independent stores (separate connections or pools) on the test database, as two instances
    /// of the service would have.
    func withTwoStores(_ body: (any StatusListRepository, any StatusListRepository) async throws -> Void) async throws {
        switch database {
        case let sqlite as SQLiteTestDatabase:
            let first = try await SQLiteStatusListStore.open(migrating: sqlite.path)
            try await body(first, try await SQLiteStatusListStore.open(migrating: sqlite.path))
        case let postgres as PostgresTestDatabase:
            try await PostgresStatusListStore.withStore(url: postgres.url, schema: postgres.schema, logger: PostgresTestDatabase.logger) {
                first in
                try await PostgresStatusListStore.withStore(url: postgres.url, schema: postgres.schema, logger: PostgresTestDatabase.logger) {
                    second in try await body(first, second)
                }
            }
        default:
            throw StatusListError(.statusListNotFound, "no status list store for \(type(of: database))")
        }
    }

    static let issuer = "did:example:issuer"

    static func record(
        _ id: String, issuer: String = issuer, entryCount: Int = 131_072, purpose: StatusPurpose = .revocation
    ) -> StatusListRecord {
        StatusListRecord(
            id: id, issuer: issuer, purpose: purpose, entryCount: entryCount, allocationKey: id == "keyed" ? [1, 2, 3] : nil,
            bits: [UInt8](repeating: 0, count: entryCount / 8), createdAt: time, updatedAt: time)
    }

    func expectCode(_ code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any) async {
        do {
            _ = try await body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as any CodedError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }

    func createAndRead() async throws {
        try await withLists { store in
            let keyed = Self.record("keyed")
            try await store.createStatusList(keyed)
            try await store.createStatusList(Self.record("plain", purpose: .suspension))
            #expect(try await store.statusList(issuer: Self.issuer, id: "keyed") == keyed)
            #expect(try await store.statusList(issuer: Self.issuer, id: "plain")?.allocationKey == nil)
            #expect(try await store.statusList(issuer: Self.issuer, id: "plain")?.purpose == .suspension)
            #expect(try await store.statusList(issuer: Self.issuer, id: "missing") == nil)
            var again = Self.record("keyed")
            again.allocationKey = [9]
            await expectCode("status_list_exists") { try await store.createStatusList(again) }
            #expect(try await store.statusList(issuer: Self.issuer, id: "keyed") == keyed, "the refused create changed nothing")
        }
    }

    func allocation() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("a"))
            #expect(try await store.allocateStatusEntries(issuer: Self.issuer, listID: "a", count: 1) == 0..<1)
            #expect(try await store.allocateStatusEntries(issuer: Self.issuer, listID: "a", count: 100) == 1..<101)
            #expect(try await store.allocateStatusEntries(issuer: Self.issuer, listID: "a", count: 131_072 - 101) == 101..<131_072)
            #expect(try await store.allocateStatusEntries(issuer: Self.issuer, listID: "a", count: 1) == nil)
            #expect(try await store.statusList(issuer: Self.issuer, id: "a")?.allocated == 131_072)
            await expectCode("status_list_not_found") { try await store.allocateStatusEntries(issuer: Self.issuer, listID: "nope", count: 1) }
            await expectCode("invalid_value") { try await store.allocateStatusEntries(issuer: Self.issuer, listID: "a", count: 0) }
        }
    }

    func concurrentAllocation() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("c"))
            let ranges = try await withThrowingTaskGroup(of: Range<Int>?.self) { group in
                for worker in 0..<24 { group.addTask { try await store.allocateStatusEntries(issuer: Self.issuer, listID: "c", count: worker % 3 + 1) } }
                var ranges: [Range<Int>] = []
                for try await range in group { ranges.append(try #require(range)) }
                return ranges
            }
            let indices = ranges.flatMap { Array($0) }
            let requested = (0..<24).map { $0 % 3 + 1 }.reduce(0, +)
            #expect(indices.count == requested)
            #expect(Set(indices).count == indices.count, "no index handed out twice")
            #expect(try await store.statusList(issuer: Self.issuer, id: "c")?.allocated == indices.count)
        }
    }

    func survivesReopening() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("r"))
            _ = try await store.allocateStatusEntries(issuer: Self.issuer, listID: "r", count: 10)
            _ = try await store.setStatusBit(issuer: Self.issuer, listID: "r", index: 9, to: true, at: Self.time)
        }
        try await withLists { store in
            #expect(try await store.allocateStatusEntries(issuer: Self.issuer, listID: "r", count: 1) == 10..<11)
            let bits = try #require(try await store.statusList(issuer: Self.issuer, id: "r")).bits
            #expect(bits[1] == 0x40)
        }
    }

    func bits() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("b"))
            let later = Self.time.addingTimeInterval(60)
            #expect(try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: 0, to: true, at: later) == false)
            #expect(try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: 0, to: true, at: later) == true)
            #expect(try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: 131_071, to: true, at: later) == false)
            var list = try #require(try await store.statusList(issuer: Self.issuer, id: "b"))
            #expect(list.revision == 2, "the repeated set changed nothing")
            #expect(list.updatedAt == later)
            #expect(list.bits.first == 0x80)
            #expect(list.bits.last == 0x01)
            #expect(try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: 0, to: false, at: later) == true)
            list = try #require(try await store.statusList(issuer: Self.issuer, id: "b"))
            #expect(list.bits.first == 0)
            #expect(list.revision == 3)
            let set = StatusListBitstring(bytes: list.bits).nonZeroIndices
            #expect(set == [131_071])
            await expectCode("range_error") { try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: 131_072, to: true, at: later) }
            await expectCode("range_error") { try await store.setStatusBit(issuer: Self.issuer, listID: "b", index: -1, to: true, at: later) }
            await expectCode("status_list_not_found") { try await store.setStatusBit(issuer: Self.issuer, listID: "x", index: 1, to: true, at: later) }
        }
    }

    func concurrentBits() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("cb"))
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<16 { group.addTask { try await store.setStatusBit(issuer: Self.issuer, listID: "cb", index: index, to: true, at: Self.time) } }
                for try await previous in group { #expect(previous == false) }
            }
            let list = try #require(try await store.statusList(issuer: Self.issuer, id: "cb"))
            #expect(Array(list.bits.prefix(3)) == [0xFF, 0xFF, 0x00])
            #expect(list.revision == 16)
        }
    }

    func twoInstances() async throws {
        try await withTwoStores { first, second in
            try await first.createStatusList(Self.record("shared"))
            let stores = [first, second]
            let ranges = try await withThrowingTaskGroup(of: Range<Int>?.self) { group in
                for worker in 0..<20 { group.addTask { try await stores[worker % 2].allocateStatusEntries(issuer: Self.issuer, listID: "shared", count: 5) } }
                var ranges: [Range<Int>] = []
                for try await range in group { ranges.append(try #require(range)) }
                return ranges
            }
            let indices = ranges.flatMap { Array($0) }
            #expect(Set(indices).count == 100)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<24 { group.addTask { try await stores[index % 2].setStatusBit(issuer: Self.issuer, listID: "shared", index: index, to: true, at: Self.time) } }
                for try await previous in group { #expect(previous == false) }
            }
            let list = try #require(try await second.statusList(issuer: Self.issuer, id: "shared"))
            #expect(Array(list.bits.prefix(4)) == [0xFF, 0xFF, 0xFF, 0x00])
            #expect(list.revision == 24)
            #expect(list.allocated == 100)
        }
    }

    func namespacedByIssuer() async throws {
        try await withLists { store in
            let other = "did:example:other"
            try await store.createStatusList(Self.record("devices-1"))
            try await store.createStatusList(Self.record("devices-1", issuer: other))
            await expectCode("status_list_exists") { try await store.createStatusList(Self.record("devices-1", issuer: other)) }
            _ = try await store.setStatusBit(issuer: other, listID: "devices-1", index: 7, to: true, at: Self.time)
            #expect(try await store.allocateStatusEntries(issuer: other, listID: "devices-1", count: 3) == 0..<3)
            let mine = try #require(try await store.statusList(issuer: Self.issuer, id: "devices-1"))
            #expect(mine.revision == 0 && mine.allocated == 0 && mine.bits.allSatisfy { $0 == 0 }, "the other issuer's writes did not reach it")
            #expect(try await store.statusList(issuer: other, id: "devices-1")?.revision == 1)
            await expectCode("status_list_not_found") {
                try await store.setStatusBit(issuer: "did:example:nobody", listID: "devices-1", index: 1, to: true, at: Self.time)
            }
        }
    }

    func publishedCopies() async throws {
        try await withLists { store in
            try await store.createStatusList(Self.record("p"))
            #expect(try await store.statusListPublication(issuer: Self.issuer, listID: "p") == StatusListPublication(currentRevision: 0, published: nil))
            #expect(try await store.unpublishedStatusLists().map(\.id).contains("p"))
            try await store.savePublishedStatusList(issuer: Self.issuer, listID: "p", PublishedStatusList(revision: 0, document: Array("zero".utf8)))
            #expect(try await store.statusListPublication(issuer: Self.issuer, listID: "p")?.current?.document == Array("zero".utf8))
            #expect(try await !store.unpublishedStatusLists().map(\.id).contains("p"))
            _ = try await store.setStatusBit(issuer: Self.issuer, listID: "p", index: 3, to: true, at: Self.time)
            let stale = try #require(try await store.statusListPublication(issuer: Self.issuer, listID: "p"))
            #expect(stale.currentRevision == 1 && stale.current == nil, "a changed list has no current signed copy")
            #expect(try await store.unpublishedStatusLists().map(\.id).contains("p"))
            try await store.savePublishedStatusList(issuer: Self.issuer, listID: "p", PublishedStatusList(revision: 1, document: Array("one".utf8)))
            try await store.savePublishedStatusList(issuer: Self.issuer, listID: "p", PublishedStatusList(revision: 0, document: Array("old".utf8)))
            #expect(try await store.statusListPublication(issuer: Self.issuer, listID: "p")?.current?.document == Array("one".utf8), "an older copy never replaces a newer one")
            #expect(try await store.statusListPublication(issuer: Self.issuer, listID: "missing") == nil)
        }
    }

    // MARK: The service over the store

    func service(_ store: any StatusListRepository, issuer: SoftwareSigner) -> StatusListService {
        let did = DIDKey.did(for: issuer.verificationKey)
        return StatusListService(
            repository: store, issuer: did, signer: issuer, verificationMethod: did + "#" + issuer.verificationKey.multikey,
            baseURL: "https://status.example/lists/", timeToLive: 3_600_000, now: { Self.time })
    }

    func serviceAllocation() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let first = try await withLists { store in
            let service = service(store, issuer: signer)
            let list = try await service.createList(id: "rev-1", purpose: .revocation)
            #expect(list.allocationKey?.count == 32)
            let entries = try await service.allocateEntries(listID: "rev-1", count: 500)
            #expect(entries.allSatisfy { $0.listCredential == "https://status.example/lists/rev-1" && $0.purpose == .revocation })
            #expect(entries.allSatisfy { $0.id == "\($0.listCredential)#\($0.index)" })
            #expect(entries.map(\.index).sorted() != Array(0..<500), "random order, not sequential")
            let sequential = try await service.createList(id: "seq", purpose: .suspension, allocation: .sequential)
            #expect(sequential.allocationKey == nil)
            #expect(try await service.allocateEntries(listID: "seq", count: 3).map(\.index) == [0, 1, 2])
            await expectCode("status_list_full") { try await service.allocateEntries(listID: "seq", count: 131_070) }
            await expectCode("status_list_exists") { try await service.createList(id: "rev-1", purpose: .revocation) }
            await expectCode("status_list_length_error") { try await service.createList(purpose: .revocation, entryCount: 1000) }
            await expectCode("status_update_invalid") { try await service.createList(id: "bad id!", purpose: .revocation) }
            await expectCode("status_update_invalid") { try await service.createList(purpose: .message) }
            await expectCode("status_list_not_found") { try await service.allocateEntry(listID: "nope") }
            return entries.map(\.index)
        }
        // A new service on the reopened store (a restart) continues without reusing an index.
        try await withLists { store in
            let service = service(store, issuer: signer)
            let second = try await service.allocateEntries(listID: "rev-1", count: 500).map(\.index)
            let all = first + second
            #expect(Set(all).count == 1000)
            #expect(all.allSatisfy { (0..<131_072).contains($0) })
            #expect(try await service.allocateEntries(listID: "seq", count: 1).map(\.index) == [3])
        }
    }

    func serviceUpdates() async throws {
        try await withLists { store in
            let service = service(store, issuer: SoftwareSigner.generate(.ed25519))
            _ = try await service.createList(id: "r", purpose: .revocation)
            _ = try await service.createList(id: "s", purpose: .suspension)
            let revocable = try await service.allocateEntry(listID: "r")
            let suspendable = try await service.allocateEntry(listID: "s")

            try await service.update(revocable, .revoke)
            #expect(try await service.isSet(listID: "r", index: revocable.index))
            await expectCode("status_update_invalid") { try await service.update(revocable, .reinstate) }
            await expectCode("status_update_invalid") { try await service.update(revocable, .suspend) }
            #expect(try await service.isSet(listID: "r", index: revocable.index), "revocation is permanent")

            try await service.update(suspendable, .suspend)
            #expect(try await service.isSet(listID: "s", index: suspendable.index))
            try await service.update(suspendable, .reinstate)
            #expect(try await service.isSet(listID: "s", index: suspendable.index) == false)
            await expectCode("status_update_invalid") { try await service.update(suspendable, .revoke) }

            let unallocated = (0..<131_072).first { $0 != revocable.index }!
            await expectCode("status_update_invalid") { try await service.update(listID: "r", index: unallocated, .revoke) }
            await expectCode("range_error") { try await service.update(listID: "r", index: 131_072, .revoke) }
            await expectCode("status_list_not_found") {
                try await service.update(StatusListEntry(purpose: .revocation, index: 0, listCredential: "https://elsewhere.example/r"), .revoke)
            }
        }
    }

    func servicePublication() async throws {
        try await withLists { store in
            let service = service(store, issuer: SoftwareSigner.generate(.ed25519))
            _ = try await service.createList(id: "pub", purpose: .revocation)
            let entry = try await service.allocateEntry(listID: "pub")
            let first = try await service.publishedCredential(listID: "pub")
            #expect(try await service.publishedCredential(listID: "pub") == first, "unchanged list: the same signed credential")
            try await service.update(entry, .revoke)
            let second = try await service.publishedCredential(listID: "pub")
            #expect(second != first)

            let list = try StatusListCredential(document: second)
            #expect(list.id == "https://status.example/lists/pub")
            #expect(list.timeToLive == 3_600_000)
            #expect(try entry.status(in: list) == 1)
            let verifier = Verifier(
                credentialPolicies: [DataModelPolicy(), ProofPolicy(resolver: Self.resolver), ValidityPeriodPolicy()], now: { Self.time })
            let result = await verifier.verify(Credential(second))
            #expect(result.verified, "\(result.failures)")
        }
    }
}

@Suite("SQLite status list store conformance")
struct SQLiteStatusListStoreTests {
    @Test(arguments: StatusListStoreConformance.checks)
    func conformance(_ check: StatusListStoreConformance.Check) async throws {
        try await SQLiteTestDatabase.withFresh { try await check.run(StatusListStoreConformance(database: $0)) }
    }
}

@Suite(
    "PostgreSQL status list store conformance",
    .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresStatusListStoreTests {
    @Test(arguments: StatusListStoreConformance.checks)
    func conformance(_ check: StatusListStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withFresh { try await check.run(StatusListStoreConformance(database: $0)) }
    }
}
