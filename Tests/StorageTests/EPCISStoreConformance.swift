import Credentials
import EPCIS
import Foundation
import Passport
import Storage
import Testing

/// The EPCIS event index every `VoltpassStore` keeps, run against each backend.
struct EPCISStoreConformance {
    let database: any TestDatabase

    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (EPCISStoreConformance) async throws -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "events: saved with their credentials, queried by identifier, step and type") { try await $0.queries() },
        Check(name: "events: a capture is all or nothing") { try await $0.atomicCapture() },
        Check(name: "events: the latest credential per identifier") { try await $0.latestCredentials() },
        Check(name: "events: traceability up and down through transformations and assemblies") { try await $0.tracing() },
        Check(name: "events: negative limit") { try await $0.negativeLimit() },
        Check(name: "events: a scan keeps to its issuers, narrows by the index, orders and resumes after a position") { try await $0.scans() },
        Check(name: "capture jobs: committed with their events, read by their operator only, listed newest first") { try await $0.captureJobs() },
        Check(name: "named queries: unique per owner, read, listed by name and deleted by their owner only") { try await $0.namedQueries() },
        Check(name: "subscriptions: saved, moved on only from where they stand, their outbox delivered in order, deleted with their query") {
            try await $0.subscriptions()
        },
    ]

    static let base = Date(timeIntervalSince1970: 1_750_000_000)
    static let lot = "urn:epc:class:lgtin:4012345.012345.LOT-7"
    static let cell = "https://id.gs1.org/01/04012345123456/21/CELL-1"
    static let module = "https://id.gs1.org/01/04012345999999/21/MOD-1"
    static let pack = "https://id.gs1.org/01/04012345888888/21/PACK-1"

    static func event(
        _ id: String, type: String = "ObjectEvent", step: String?, minutes: Double, _ identifiers: [EventIdentifier],
        predecessors: [String] = []
    ) -> (record: EventRecord, credential: StoredCredential) {
        let record = EventRecord(
            credentialID: id, eventID: "ni:///sha-256;\(id.suffix(4))?ver=CBV2.0", eventType: type, bizStep: step,
            eventTime: base.addingTimeInterval(minutes * 60), identifiers: identifiers, predecessors: predecessors)
        let credential = StoredCredential(
            id: id, issuer: "did:web:cells.example.com", types: ["VerifiableCredential", "VscObjectEventCredential"],
            subject: record.eventID, issuedAt: base, document: Array(#"{"id":"\#(id)"}"#.utf8))
        return (record, credential)
    }

    /// Lot → (transformation) → cell → (assembly) → module → (assembly) → pack, plus a shipping event of the pack.
    static let supplyChain = [
        event("urn:uuid:00000000-0000-4000-8000-000000000001", step: "commissioning", minutes: 0, [EventIdentifier(lot, .what)]),
        event(
            "urn:uuid:00000000-0000-4000-8000-000000000002", type: "TransformationEvent", step: "creating_class_instance",
            minutes: 10, [EventIdentifier(lot, .input), EventIdentifier(cell, .output)],
            predecessors: ["urn:uuid:00000000-0000-4000-8000-000000000001"]),
        event(
            "urn:uuid:00000000-0000-4000-8000-000000000003", type: "AssociationEvent", step: "assembling", minutes: 20,
            [EventIdentifier(module, .parent), EventIdentifier(cell, .child)],
            predecessors: ["urn:uuid:00000000-0000-4000-8000-000000000002"]),
        event(
            "urn:uuid:00000000-0000-4000-8000-000000000004", type: "AssociationEvent", step: "assembling", minutes: 30,
            [EventIdentifier(pack, .parent), EventIdentifier(module, .child)],
            predecessors: ["urn:uuid:00000000-0000-4000-8000-000000000003"]),
        event("urn:uuid:00000000-0000-4000-8000-000000000005", step: "shipping", minutes: 40, [EventIdentifier(pack, .what)]),
    ]

    func queries() async throws {
        try await database.withStore { store in
            try await store.saveEvents(Self.supplyChain)
            let forPack = try await store.eventRecords(EventQuery(identifier: Self.pack))
            #expect(forPack.map { $0.credentialID.suffix(1) } == ["4", "5"])
            #expect(forPack.first?.eventTime == Self.base.addingTimeInterval(30 * 60))
            #expect(forPack.first?.eventType == "AssociationEvent")
            let shipped = try await store.eventRecords(EventQuery(identifier: Self.pack, bizStep: "shipping"))
            #expect(shipped.map(\.bizStep) == ["shipping"])
            let transformations = try await store.eventRecords(EventQuery(eventType: "TransformationEvent"))
            #expect(transformations.map(\.credentialID) == [Self.supplyChain[1].record.credentialID])
            let limited = try await store.eventRecords(EventQuery(limit: 2))
            #expect(limited.map { $0.credentialID.suffix(1) } == ["1", "2"])
            #expect(try await store.eventRecords(EventQuery(identifier: "urn:epc:id:sgtin:0.0.none")).isEmpty)
            // The credential itself is stored with the event.
            let credential = try await store.credential(id: Self.supplyChain[2].credential.id)
            #expect(credential == Self.supplyChain[2].credential)
        }
    }

    func atomicCapture() async throws {
        try await database.withStore { store in
            try await store.saveEvents([Self.supplyChain[0]])
            // The second event's credential id is taken: nothing of this capture is written.
            var clash = Self.supplyChain[1]
            clash.credential.id = Self.supplyChain[0].credential.id
            clash.record.credentialID = Self.supplyChain[0].credential.id
            await #expect(throws: StorageError.credentialExists(id: Self.supplyChain[0].credential.id)) {
                try await store.saveEvents([Self.supplyChain[2], clash])
            }
            #expect(try await store.credential(id: Self.supplyChain[2].credential.id) == nil)
            #expect(try await store.eventRecords(EventQuery()).count == 1)
        }
    }

    func latestCredentials() async throws {
        try await database.withStore { store in
            try await store.saveEvents(Self.supplyChain)
            let latest = try await store.latestCredentials(mentioning: [Self.pack, Self.cell, Self.lot, "urn:x:none"])
            #expect(latest[Self.pack] == Self.supplyChain[4].credential.id)
            #expect(latest[Self.cell] == Self.supplyChain[2].credential.id)
            #expect(latest[Self.lot] == Self.supplyChain[1].credential.id)
            #expect(latest["urn:x:none"] == nil)
        }
    }

    func tracing() async throws {
        try await database.withStore { store in
            try await store.saveEvents(Self.supplyChain)
            #expect(try await store.linkedIdentifiers(of: Self.lot, direction: .downstream) == [Self.cell])
            #expect(try await store.linkedIdentifiers(of: Self.pack, direction: .upstream) == [Self.module])
            let reach = try await Traceability(repository: store).trace(Self.lot, direction: .downstream)
            #expect(reach.identifiers == [Self.lot, Self.cell, Self.module, Self.pack])
            #expect(reach.events.count == 5)
            #expect(!reach.truncated)
            let provenance = try await Traceability(repository: store).trace(Self.pack, direction: .upstream)
            #expect(provenance.identifiers == [Self.pack, Self.module, Self.cell, Self.lot])
            let cut = try await Traceability(repository: store).trace(Self.lot, direction: .downstream, limit: 2)
            #expect(cut.identifiers == [Self.lot, Self.cell])
            #expect(cut.truncated)
        }
    }

    func scans() async throws {
        try await database.withStore { store in
            var foreign = Self.event("urn:uuid:00000000-0000-4000-8000-000000000006", step: "shipping", minutes: 5, [EventIdentifier(Self.pack, .what)])
            foreign.credential.issuer = "did:web:other.example.com"
            try await store.saveEvents(Self.supplyChain + [foreign])
            let issuers = ["did:web:cells.example.com"]
            func ids(_ scan: EventScan) async throws -> [String] {
                try await store.scanEvents(scan).map { String($0.credentialID.suffix(1)) }
            }
            #expect(try await ids(EventScan(issuers: issuers, limit: 10)) == ["1", "2", "3", "4", "5"])
            #expect(try await ids(EventScan(issuers: ["did:web:other.example.com"], limit: 10)) == ["6"])
            #expect(try await ids(EventScan(issuers: [], limit: 10)) == [])
            #expect(try await ids(EventScan(issuers: issuers + ["did:web:other.example.com"], identifier: Self.pack, limit: 10)) == ["6", "4", "5"])
            #expect(try await ids(EventScan(issuers: issuers, bizStep: "assembling", eventType: "AssociationEvent", limit: 10)) == ["3", "4"])
            #expect(try await ids(EventScan(issuers: issuers, descending: true, limit: 2)) == ["5", "4"])
            let first = try await store.scanEvents(EventScan(issuers: issuers, limit: 2))
            #expect(first.first?.recordTime == Self.base)
            #expect(first.first?.document == Self.supplyChain[0].credential.document)
            #expect(try await ids(EventScan(issuers: issuers, after: first.last?.position, limit: 2)) == ["3", "4"])
            let byRecord = try await store.scanEvents(EventScan(issuers: issuers, order: .recordTime, descending: true, limit: 1))
            #expect(try await ids(EventScan(issuers: issuers, order: .recordTime, descending: true, after: byRecord.last?.position, limit: 10)) == ["4", "3", "2", "1"])
        }
    }

    func captureJobs() async throws {
        try await database.withStore { store in
            let operatorDID = "did:web:cells.example.com"
            let done = CaptureJob(
                id: "job-1", operatorDID: operatorDID, errorBehaviour: .rollback, createdAt: Self.base, finishedAt: Self.base.addingTimeInterval(1),
                eventIDs: [Self.supplyChain[0].record.eventID])
            var changes = ChangeSet()
            changes.events = [Self.supplyChain[0]]
            changes.captureJobs = [done]
            try await store.commit(changes)
            #expect(try await store.captureJob(id: "job-1", operator: operatorDID) == done)
            #expect(try await store.captureJob(id: "job-1", operator: "did:web:other.example.com") == nil)
            #expect(try await store.eventRecords(EventQuery()).count == 1)

            let failed = CaptureJob(
                id: "job-2", operatorDID: operatorDID, errorBehaviour: .proceed, createdAt: Self.base.addingTimeInterval(60),
                finishedAt: Self.base.addingTimeInterval(61), failures: [.init(code: "epcis_field_missing", message: "no eventTime", pointer: "/eventTime", eventIndex: 3)])
            try await store.saveCaptureJob(failed)
            try await store.saveCaptureJob(CaptureJob(id: "job-3", operatorDID: "did:web:other.example.com", errorBehaviour: .rollback, createdAt: Self.base))
            #expect(try await store.captureJob(id: "job-2", operator: operatorDID) == failed)
            let listed = try await store.captureJobs(operator: operatorDID, after: nil, limit: 10)
            #expect(listed.map(\.id) == ["job-2", "job-1"])
            let rest = try await store.captureJobs(
                operator: operatorDID, after: CaptureJobPosition(createdAt: Int64(Self.base.timeIntervalSince1970 * 1_000_000) + 60_000_000, id: "job-2"), limit: 10)
            #expect(rest.map(\.id) == ["job-1"])

            // A commit that fails stores neither its events nor its job.
            var clash = ChangeSet()
            clash.events = [Self.supplyChain[0]]
            clash.captureJobs = [CaptureJob(id: "job-4", operatorDID: operatorDID, errorBehaviour: .rollback, createdAt: Self.base)]
            await #expect(throws: StorageError.self) { try await store.commit(clash) }
            #expect(try await store.captureJob(id: "job-4", operator: operatorDID) == nil)
        }
    }

    func namedQueries() async throws {
        try await database.withStore { store in
            let shipping = NamedQuery(name: "shipping", owner: "did:web:a", query: ["EQ_bizStep": ["shipping"]], createdAt: Self.base)
            let packs = NamedQuery(name: "packs", owner: "did:web:a", query: ["MATCH_epc": .array([.string(Self.pack)]), "eventCountLimit": 3], createdAt: Self.base)
            try await store.saveNamedQuery(shipping)
            try await store.saveNamedQuery(packs)
            try await store.saveNamedQuery(NamedQuery(name: "shipping", owner: "did:web:b", query: [:], createdAt: Self.base))
            await #expect(throws: NamedQueryError.exists("shipping")) { try await store.saveNamedQuery(shipping) }
            #expect(try await store.namedQuery(name: "packs", owner: "did:web:a") == packs)
            #expect(try await store.namedQuery(name: "packs", owner: "did:web:b") == nil)
            #expect(try await store.namedQueries(owner: "did:web:a", limit: 10).map(\.name) == ["packs", "shipping"])
            #expect(try await store.namedQueries(owner: "did:web:a", limit: 1).map(\.name) == ["packs"])
            #expect(try await !store.deleteNamedQuery(name: "packs", owner: "did:web:b"))
            #expect(try await store.deleteNamedQuery(name: "packs", owner: "did:web:a"))
            #expect(try await store.namedQuery(name: "packs", owner: "did:web:a") == nil)
            #expect(try await store.namedQuery(name: "shipping", owner: "did:web:b")?.query == [:])
        }
    }

    func subscriptions() async throws {
        try await database.withStore { store in
            try await store.saveNamedQuery(NamedQuery(name: "shipping", owner: "did:web:a", query: ["EQ_bizStep": ["shipping"]], createdAt: Self.base))
            #expect(try await store.latestEventSequence() == 0)
            try await store.saveEvents(Self.supplyChain)
            let latest = try await store.latestEventSequence()
            #expect(latest > 0)
            let stream = QuerySubscription(
                id: "sub-1", queryName: "shipping", owner: "did:web:a", tokenID: "token-1", issuers: ["did:web:cells.example.com"],
                dest: "https://hooks.example.com/a", signatureToken: "secret", trigger: .stream, reportIfEmpty: false,
                initialRecordTime: Self.base, createdAt: Self.base)
            let daily = QuerySubscription(
                id: "sub-2", queryName: "shipping", owner: "did:web:a", tokenID: "token-1", issuers: ["did:web:cells.example.com"],
                dest: "https://hooks.example.com/b", signatureToken: nil, trigger: .schedule(try QuerySchedule(["hour": "1"])),
                reportIfEmpty: true, initialRecordTime: Self.base, createdAt: Self.base.addingTimeInterval(1))
            let firstRun = Self.base.addingTimeInterval(3_600)
            try await store.saveSubscription(stream, cursor: 0, nextRunAt: nil)
            try await store.saveSubscription(daily, cursor: latest, nextRunAt: firstRun)
            await #expect(throws: StorageError.self) {
                var orphan = stream
                orphan.id = "sub-3"
                orphan.queryName = "missing"
                try await store.saveSubscription(orphan, cursor: 0, nextRunAt: nil)
            }
            #expect(try await store.subscription(id: "sub-1", queryName: "shipping", owner: "did:web:a")?.subscription == stream)
            #expect(try await store.subscription(id: "sub-1", queryName: "shipping", owner: "did:web:b") == nil)
            #expect(try await store.subscriptions(queryName: "shipping", owner: "did:web:a", limit: 10).map(\.subscription.id) == ["sub-1", "sub-2"])
            let scheduled = try #require(try await store.subscription(id: "sub-2", queryName: "shipping", owner: "did:web:a"))
            #expect(scheduled.subscription == daily)
            #expect(scheduled.cursor == latest)
            #expect(scheduled.nextRunAt == firstRun)

            // Moved on only from where it stands; each move may queue one document.
            #expect(try await store.advanceSubscription(id: "sub-1", from: 0, nextRunAt: nil, to: 2, newNextRunAt: nil, document: [1], at: Self.base))
            #expect(try await !store.advanceSubscription(id: "sub-1", from: 0, nextRunAt: nil, to: 3, newNextRunAt: nil, document: [9], at: Self.base))
            #expect(try await store.advanceSubscription(id: "sub-1", from: 2, nextRunAt: nil, to: 4, newNextRunAt: nil, document: [2], at: Self.base))
            #expect(try await store.advanceSubscription(id: "sub-1", from: 4, nextRunAt: nil, to: 5, newNextRunAt: nil, document: nil, at: Self.base))
            #expect(try await !store.advanceSubscription(id: "sub-2", from: latest, nextRunAt: nil, to: latest, newNextRunAt: nil, document: [7], at: Self.base))
            let secondRun = firstRun.addingTimeInterval(86_400)
            #expect(try await store.advanceSubscription(
                id: "sub-2", from: latest, nextRunAt: firstRun, to: latest, newNextRunAt: secondRun, document: [3], at: Self.base))
            #expect(try await store.subscription(id: "sub-1", queryName: "shipping", owner: "did:web:a")?.cursor == 5)
            #expect(try await store.subscription(id: "sub-2", queryName: "shipping", owner: "did:web:a")?.nextRunAt == secondRun)

            // The first document of each subscription, when due; the next only after it was delivered.
            let due = try await store.dueDeliveries(now: Self.base, limit: 10)
            #expect(due.map(\.body) == [[1], [3]])
            #expect(due.first?.subscription == stream)
            try await store.deliveryFailed(due[0].id, nextAttemptAt: Self.base.addingTimeInterval(10))
            #expect(try await store.dueDeliveries(now: Self.base, limit: 10).map(\.body) == [[3]])
            let retried = try await store.dueDeliveries(now: Self.base.addingTimeInterval(10), limit: 10)
            #expect(retried.first { $0.subscription.id == "sub-1" }?.attempts == 1)
            try await store.deliverySucceeded(due[0].id, subscriptionID: "sub-1", at: Self.base.addingTimeInterval(11))
            #expect(try await store.dueDeliveries(now: Self.base.addingTimeInterval(11), limit: 10).map(\.body) == [[2], [3]])
            #expect(try await store.subscription(id: "sub-1", queryName: "shipping", owner: "did:web:a")?.lastNotifiedAt == Self.base.addingTimeInterval(11))

            #expect(try await !store.deleteSubscription(id: "sub-1", queryName: "shipping", owner: "did:web:b"))
            #expect(try await store.deleteSubscription(id: "sub-1", queryName: "shipping", owner: "did:web:a"))
            #expect(try await store.dueDeliveries(now: Self.base.addingTimeInterval(11), limit: 10).map(\.body) == [[3]])
            #expect(try await store.deleteNamedQuery(name: "shipping", owner: "did:web:a"))
            #expect(try await store.allSubscriptions(limit: 10).isEmpty)
            #expect(try await store.dueDeliveries(now: Self.base.addingTimeInterval(11), limit: 10).isEmpty)
        }
    }

    func negativeLimit() async throws {
        try await database.withStore { store in
            await #expect(throws: StorageError.self) { try await store.eventRecords(EventQuery(limit: -1)) }
        }
    }
}

@Suite("SQLite EPCIS event index")
struct SQLiteEPCISStoreTests {
    @Test(arguments: EPCISStoreConformance.checks)
    func conforms(_ check: EPCISStoreConformance.Check) async throws {
        try await SQLiteTestDatabase.withFresh { try await check.run(EPCISStoreConformance(database: $0)) }
    }
}

@Suite("PostgreSQL EPCIS event index", .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresEPCISStoreTests {
    @Test(arguments: EPCISStoreConformance.checks)
    func conforms(_ check: EPCISStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withFresh { try await check.run(EPCISStoreConformance(database: $0)) }
    }
}
