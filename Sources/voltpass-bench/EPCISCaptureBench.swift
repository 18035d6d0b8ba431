import Credentials
import EPCIS
import Encoding
import Foundation
import Identity
import Server
import Storage

/// EPCIS capture (validate, hash, link, sign, allocate status, store in SQLite) of 1,000-event
/// documents in JSON and in XML (read into the JSON form first), and verification of linked custody chains of 10 and 10,000 credentials.
extension Suite {
    static let epcisCapture: [Suite] = [
        Suite(name: "epcis.capture-1000") { seconds in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await StoreConfiguration(dataDirectory: directory).withStore { store in
                let (server, _) = try await VoltpassServer.prepare(
                    configuration: ServerConfiguration(dataDirectory: directory), store: store)
                let capture = server.epcisCapture()
                var round = 0
                let documents = try await measure("capture a 1,000-event document into SQLite", minimumSeconds: seconds) {
                    round += 1
                    return try await capture.capture(Self.captureDocument(round: round, events: 1_000), into: store, at: Date()).count
                }
                return Measurement(
                    operation: "capture events (1,000-event documents, SQLite): events/s",
                    count: documents.count * 1_000, seconds: documents.seconds, bytesPerOperation: nil)
            }
        },
        Suite(name: "epcis.capture-xml-1000") { seconds in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await StoreConfiguration(dataDirectory: directory).withStore { store in
                let (server, _) = try await VoltpassServer.prepare(
                    configuration: ServerConfiguration(dataDirectory: directory), store: store)
                let capture = server.epcisCapture()
                // The XML documents are written before the clock starts (3 warm-up rounds and 48 measured
                // cover 3 s at up to ~16,000 events/s); a longer run writes the rest as it goes.
                var documents = try (1...51).map { try Self.captureXML(round: $0) }
                var round = 0
                let captured = try await measure("capture a 1,000-event XML document into SQLite", minimumSeconds: seconds) {
                    round += 1
                    if round > documents.count { documents.append(try Self.captureXML(round: round)) }
                    let json = try EPCISXML.read(documents[round - 1])
                    return try await capture.capture(.object(json), into: store, at: Date()).count
                }
                return Measurement(
                    operation: "capture events (1,000-event EPCIS 2.0 XML documents, SQLite): events/s",
                    count: captured.count * 1_000, seconds: captured.seconds, bytesPerOperation: documents[0].count / 1_000)
            }
        },
        Suite(name: "epcis.chain-10") { seconds in
            let chain = try await ChainFixture(length: 10)
            return await measure("verify a 10-credential chain", minimumSeconds: seconds) {
                await chain.verify() ? 1 : 0
            }
        },
        Suite(name: "epcis.chain-10000") { seconds in
            let chain = try await ChainFixture(length: 10_000)
            return await measure("verify a 10,000-credential chain", minimumSeconds: seconds) {
                await chain.verify() ? 1 : 0
            }
        },
    ]

    /// The capture document of `round` (1,000 events) as EPCIS 2.0 XML.
    static func captureXML(round: Int) throws -> [UInt8] {
        EPCISXML.xml(try EPCISDocument(json: captureDocument(round: round, events: 1_000)))
    }

    /// `events` events over 100 items (so most events link to an earlier one): commissioning,
    /// then observations along the chain; every other event without an eventID (hashed instead).
    static func captureDocument(round: Int, events: Int) -> JSONValue {
        let steps = ["commissioning", "packing", "shipping", "receiving", "inspecting"]
        let list: [JSONValue] = (0..<events).map { index in
            let item = "urn:epc:id:sgtin:4012345.012345.R\(round)-\(index % 100)"
            var event: JSONObject = [
                "type": "ObjectEvent",
                "eventTime": .string("2026-03-01T10:\(String(format: "%02d", index / 100 % 60)):00.000+01:00"),
                "eventTimeZoneOffset": "+01:00",
                "epcList": [.string(item)],
                "action": index < 100 ? "ADD" : "OBSERVE",
                "bizStep": .string(steps[min(index / 100, steps.count - 1)]),
                "disposition": "in_progress",
                "readPoint": ["id": "urn:epc:id:sgln:4012345.00001.0"],
            ]
            if index % 2 == 0 { event["eventID"] = .string("urn:uuid:\(UUID().uuidString.lowercased())") }
            return .object(event)
        }
        return [
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-01T09:00:00Z",
            "epcisBody": ["eventList": .array(list)],
        ]
    }
}

/// A custody chain: one item observed `length` times, each credential linking to the one before.
private struct ChainFixture: Sendable {
    let head: Credential
    let verifier: Verifier

    init(length: Int) async throws {
        let issuer = EventCredentialIssuer(issuer: try CredentialIssuer(didKeySigner: .generate(.ed25519)))
        let events: [JSONObject] = (0..<length).map { index in
            [
                "type": "ObjectEvent", "eventTime": "2026-03-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
                "eventID": .string("urn:uuid:\(UUID().uuidString.lowercased())"),
                "epcList": ["urn:epc:id:sgtin:4012345.012345.CHAIN"], "action": index == 0 ? "ADD" : "OBSERVE",
                "bizStep": index == 0 ? "commissioning" : "shipping",
            ]
        }
        let issued = try await issuer.issue(events, context: [.string(VSCVocabulary.epcisContextURL)])
        let credentials = issued.map(\.credential)
        let resolver = CachingDIDResolver(MethodDispatchResolver(["key": DIDKeyResolver()]))
        head = credentials[credentials.count - 1]
        verifier = Verifier(credentialPolicies: [
            DataModelPolicy(), ProofPolicy(resolver: resolver),
            EventChainPolicy(fetcher: CredentialSet(credentials), proof: ProofPolicy(resolver: resolver), status: nil),
        ])
    }

    func verify() async -> Bool {
        await verifier.verify(head).verified
    }
}
