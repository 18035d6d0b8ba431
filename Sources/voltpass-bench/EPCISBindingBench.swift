import Credentials
import EPCIS
import Encoding
import Foundation
import Identity
import Server
import Storage

/// The EPCIS 2.0 REST binding: capture jobs as `POST /epcis/2.0/capture` runs them (JSON text parsed,
/// job, validate, sign, store in one transaction), and a `MATCH_epc` query over 10⁶ stored events.
extension Suite {
    static let epcisBinding: [Suite] = [
        Suite(name: "epcis.binding-capture-1000") { seconds in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await StoreConfiguration(dataDirectory: directory).withStore { store in
                let (server, _) = try await VoltpassServer.prepare(configuration: ServerConfiguration(dataDirectory: directory), store: store)
                var round = 0
                let documents = try await measure("capture job of a 1,000-event JSON document (binding, SQLite)", minimumSeconds: seconds) {
                    round += 1
                    let text = Self.captureDocument(round: round, events: 1_000).serialized()
                    let job = try await server.runEPCISCaptureJob(try JSONValue(parsing: text))
                    guard job.success else { throw BenchFailure(message: "capture job failed: \(job.failures.map(\.message))") }
                    return job.eventIDs.count
                }
                return Measurement(
                    operation: "binding capture jobs (1,000-event JSON documents, SQLite): events/s",
                    count: documents.count * 1_000, seconds: documents.seconds, bytesPerOperation: nil)
            }
        },
        Suite(name: "epcis.binding-query-match-epc-1m") { seconds in
            try await EPCISQueryFixture.withStore { store, issuer in
                var item = 0
                return try await measure("MATCH_epc query over 10⁶ stored events (SQLite)", minimumSeconds: seconds) {
                    item = (item + 7_919) % EPCISQueryFixture.items
                    return try await EPCISQueryFixture.query(store, issuer: issuer, item: item)
                }
            }
        },
    ]
}

/// A failed benchmark precondition.
struct BenchFailure: Error {
    let message: String
}

/// 10⁶ events (10⁵ items observed 10 times each), signed by one operator and stored in a scratch
/// SQLite file under the temporary directory that later runs reuse.
enum EPCISQueryFixture {
    static let events = 1_000_000
    static let items = events / 10
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-epcis-1m")

    static func epc(_ item: Int) -> String { "urn:epc:id:sgtin:4012345.012345.Q\(item)" }

    /// Opens the scratch store, seeding it first when it holds fewer events than ``events``.
    static func withStore<T: Sendable>(_ body: @Sendable (any VoltpassStore, String) async throws -> T) async throws -> T {
        try await StoreConfiguration(dataDirectory: directory).withStore { store in
            let issuerFile = directory.appendingPathComponent("issuer-did")
            if let did = try? String(contentsOf: issuerFile, encoding: .utf8),
                (try await store.scanEvents(EventScan(issuers: [did], order: .recordTime, descending: true, limit: 1)).first?.position.sequence
                    ?? 0) >= Int64(events)
            {
                return try await body(store, did)
            }
            let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(didKeySigner: .generate(.ed25519)))
            let did = issuer.issuer.did
            let batch = 10_000
            for start in stride(from: 0, to: events, by: batch) {
                let list: [JSONObject] = (start..<start + batch).map { index in
                    [
                        "type": "ObjectEvent", "eventTime": .string(XSDDateTime.format(Date(timeIntervalSince1970: 1_770_000_000 + Double(index)))),
                        "eventTimeZoneOffset": "+00:00", "eventID": .string("urn:uuid:\(UUID().uuidString.lowercased())"),
                        "epcList": [.string(epc(index % items))], "action": index < items ? "ADD" : "OBSERVE",
                        "bizStep": index < items ? "commissioning" : "shipping", "readPoint": ["id": "urn:epc:id:sgln:4012345.00001.0"],
                    ]
                }
                let issued = try await issuer.issue(list, context: [.string(VSCVocabulary.epcisContextURL)])
                let stored = issued.map { event in
                    (
                        record: event.record,
                        credential: StoredCredential(
                            id: event.record.credentialID, issuer: did, types: event.credential.types, subject: event.record.eventID,
                            issuedAt: Date(), document: JSONValue.object(event.credential.json).serialized())
                    )
                }
                try await store.saveEvents(stored)
                if start % 100_000 == 0 { FileHandle.standardError.write(Data("seeded \(start + batch) events\n".utf8)) }
            }
            try did.write(to: issuerFile, atomically: true, encoding: .utf8)
            return try await body(store, did)
        }
    }

    /// What `GET /epcis/2.0/events?MATCH_epc=…` does for a token of the operator: the query parsed,
    /// the index scanned, each credential read back into its event and matched; the events found.
    static func query(_ store: any VoltpassStore, issuer: String, item: Int) async throws -> Int {
        let query = try EPCISEventQuery(parameters: [(name: "MATCH_epc", value: epc(item))])
        let rows = try await store.scanEvents(
            EventScan(issuers: [issuer], identifier: query.indexedIdentifier, eventType: query.indexedEventType, limit: 500))
        var found = 0
        for row in rows {
            let carried = try EventCredentialMapping.event(from: Credential(parsing: row.document))
            if query.matches(carried.event, eventID: carried.eventID, recordTime: row.recordTime) { found += 1 }
        }
        guard found == 10 else { throw BenchFailure(message: "MATCH_epc found \(found) events of item \(item), not 10") }
        return found
    }
}
